package postgres

import (
	"encoding/binary"
	"slices"
	"testing"
)

// arrayBytes is PostgreSQL's binary form of a one-dimensional array of
// elements of size bytes each (array_send).
func arrayBytes(size int, xs ...int64) []byte {
	b := binary.BigEndian.AppendUint32(nil, 1) // ndim
	b = binary.BigEndian.AppendUint32(b, 0)    // no nulls
	b = binary.BigEndian.AppendUint32(b, 20)   // int8's oid; readInts goes by size
	b = binary.BigEndian.AppendUint32(b, uint32(len(xs)))
	b = binary.BigEndian.AppendUint32(b, 1) // lower bound
	for _, x := range xs {
		b = binary.BigEndian.AppendUint32(b, uint32(size))
		if size == 8 {
			b = binary.BigEndian.AppendUint64(b, uint64(x))
		} else {
			b = binary.BigEndian.AppendUint32(b, uint32(int32(x)))
		}
	}
	return b
}

func TestReadInts(t *testing.T) {
	empty := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 0), 0), 23)
	for _, c := range []struct {
		name string
		in   []byte
		want []int64
		bad  bool
	}{
		{"int8", arrayBytes(8, 1, 1<<40, -3), []int64{1, 1 << 40, -3}, false},
		{"int4", arrayBytes(4, 7, -2, 1<<30), []int64{7, -2, 1 << 30}, false},
		{"empty", empty, nil, false},
		{"cut short", arrayBytes(8, 1, 2)[:30], nil, true},
		{"too short for a header", []byte{0, 0, 1}, nil, true},
		{"two dimensions", append(binary.BigEndian.AppendUint32(nil, 2), arrayBytes(4, 1)[4:]...), nil, true},
		{"a null", append(arrayBytes(4, 5)[:20], 0xff, 0xff, 0xff, 0xff), nil, true},
	} {
		got, err := readInts(c.in, nil)
		if (err != nil) != c.bad || !slices.Equal(got, c.want) {
			t.Errorf("readInts(%s) = %v, %v; want %v, error %v", c.name, got, err, c.want, c.bad)
		}
	}
}
