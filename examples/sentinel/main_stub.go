package main

// main is a placeholder so that the package links while the sentinel is
// built piece by piece; the real main.go (flags, config load, the loop)
// replaces this file.
func main() {}
