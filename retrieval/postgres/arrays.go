package postgres

import (
	"encoding/binary"
	"fmt"
)

// readInts appends to dst the elements of a one-dimensional int4 or int8
// array without nulls in PostgreSQL's binary form (array_send).
func readInts(b []byte, dst []int64) ([]int64, error) {
	err := eachElement(b, func(_ int, e []byte) error {
		switch len(e) {
		case 8:
			dst = append(dst, int64(binary.BigEndian.Uint64(e)))
		case 4:
			dst = append(dst, int64(int32(binary.BigEndian.Uint32(e))))
		default:
			return fmt.Errorf("lexical block: integer of %d bytes", len(e))
		}
		return nil
	})
	return dst, err
}

// eachElement calls f with each element of a one-dimensional array
// without nulls in PostgreSQL's binary form (array_send): a header of
// ndim, flags and element type, then per dimension its size and lower
// bound, then per element its byte length and bytes.
func eachElement(b []byte, f func(int, []byte) error) error {
	if len(b) < 12 {
		return fmt.Errorf("lexical block: array of %d bytes", len(b))
	}
	ndim := binary.BigEndian.Uint32(b)
	if ndim == 0 {
		return nil
	}
	if ndim != 1 || len(b) < 20 || binary.BigEndian.Uint32(b[4:]) != 0 {
		return fmt.Errorf("lexical block: not a one-dimensional array without nulls")
	}
	n := int(binary.BigEndian.Uint32(b[12:]))
	b = b[20:]
	for i := range n {
		if len(b) < 4 {
			return fmt.Errorf("lexical block: array cut short")
		}
		size := int(int32(binary.BigEndian.Uint32(b)))
		b = b[4:]
		if size < 0 || size > len(b) {
			return fmt.Errorf("lexical block: element of %d bytes in %d", size, len(b))
		}
		if err := f(i, b[:size]); err != nil {
			return err
		}
		b = b[size:]
	}
	return nil
}
