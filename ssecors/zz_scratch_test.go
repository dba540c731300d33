package ssecors_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors"
)

func scratchCorpus(n int, crlf bool) []byte {
	var b bytes.Buffer
	json := `{"id":12345,"user":"alice","action":"update","payload":{"a":1,"b":[1,2,3],"c":"` + strings.Repeat("x", 120) + `"}}`
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "id: %d\nevent: update\ndata: %s\n\n", i, json)
	}
	if crlf {
		return bytes.ReplaceAll(b.Bytes(), []byte("\n"), []byte("\r\n"))
	}
	return b.Bytes()
}

func BenchmarkScratchTypical(b *testing.B) {
	c := scratchCorpus(1000, false)
	b.SetBytes(int64(len(c)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := ssecors.NewDecoder(bytes.NewReader(c))
		n := 0
		for {
			_, err := d.Decode()
			if err == io.EOF {
				break
			}
			n++
		}
		if n != 1000 {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkScratchFloor(b *testing.B) {
	c := scratchCorpus(1000, false)
	b.SetBytes(int64(len(c)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := bufio.NewReaderSize(bytes.NewReader(c), 4096)
		n := 0
		for {
			_, err := r.ReadSlice('\n')
			if err != nil {
				break
			}
			n++
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "events/s")
}
