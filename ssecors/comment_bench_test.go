package ssecors

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// BenchmarkParseComments measures a comment-heavy stream (three keep-alive
// comments per event) through the parser as the engine runs it: without
// the comment hook (the Decoder), with the hook of a source that has no
// OnComment handler, and with one. The middle one must cost no more than
// the first: nobody listening means comments cost nothing.
//
//	go test ./ssecors -run '^$' -bench ParseComments -benchmem -count 10
func BenchmarkParseComments(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		sb.WriteString(": keep-alive\n: keep-alive\n: keep-alive\nid: 12345\ndata: {\"delta\":\"some tokens of a model\"}\n\n")
	}
	stream := []byte(sb.String())
	es, err := New("http://127.0.0.1/events")
	if err != nil {
		b.Fatal(err)
	}
	withHandler, _ := New("http://127.0.0.1/events")
	n := 0
	withHandler.OnComment(func(string) { n++ })
	for _, tc := range []struct {
		name string
		es   *EventSource
	}{
		{"no-hook", nil},
		{"hook-no-listener", es},
		{"hook-listener", withHandler},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			r := bytes.NewReader(stream)
			p := newParser(nil, 0)
			for b.Loop() {
				r.Reset(stream)
				p.reset(r, "")
				if tc.es != nil {
					p.comment, p.commentOn = tc.es.fireComment, &tc.es.commentOn
				}
				for {
					if _, err := p.nextEvent(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
		})
	}
}
