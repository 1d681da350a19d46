package main

// setObuf sets client-output-buffer-limit as a config file line does.
func setObuf(l *obufLimits, v string) error {
	n, err := parseOutputBufferLimit(v, *l)
	if err == nil {
		*l = n
	}
	return err
}
