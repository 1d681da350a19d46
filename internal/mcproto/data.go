package mcproto

// Data takes the data block of a storage request from buf, the bytes that
// follow the request's line: the block is bytes of value then "\r\n".
// When the block has not fully arrived it returns n == 0 (read more, or
// read the rest straight into the item and use CheckDataEnd). Otherwise n
// is bytes+2, value the first bytes of them, and err ErrBadDataChunk when
// the block does not end in "\r\n" (complete_nread_ascii): nothing is
// stored, the n bytes are still consumed, and the reply is sent unless the
// request is a classic one with noreply (ms always sends it).
func Data(buf []byte, bytes int) (value []byte, n int, err error) {
	if bytes < 0 || len(buf)-2 < bytes {
		return nil, 0, nil
	}
	block := buf[: bytes+2 : bytes+2]
	if e := CheckDataEnd(block); e != nil {
		return nil, bytes + 2, e
	}
	return block[:bytes], bytes + 2, nil
}

// CheckDataEnd checks the end of a whole data block (value and the two
// bytes after it): it returns ErrBadDataChunk unless the block ends in
// "\r\n". A server that reads values straight into its items passes the
// item's last bytes.
func CheckDataEnd(block []byte) error {
	if len(block) < 2 || block[len(block)-2] != '\r' || block[len(block)-1] != '\n' {
		return ErrBadDataChunk
	}
	return nil
}
