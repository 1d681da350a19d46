package connection

import "unsafe"

// unsafeBytes views s as bytes, for copying from it only.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
