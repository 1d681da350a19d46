package resp

// EqualFold reports whether s equals lower, a lower-case ASCII word, in
// any case, as strcasecmp compares a command's option with its name:
// ASCII letters only (strings.EqualFold folds Unicode too, so "ſ" would
// match "s"), without allocating.
func EqualFold[T string | []byte](s T, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
