package corpus_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/ssecors/ssecors-go/bench/corpus"
)

func TestBuild(t *testing.T) {
	t.Parallel()
	for _, name := range corpus.Names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := corpus.Build(name, 64<<10)
			if c.Name != name {
				t.Errorf("got name %q, want %q", c.Name, name)
			}
			if len(c.Data) < 64<<10 {
				t.Errorf("got %d bytes, want at least %d", len(c.Data), 64<<10)
			}
			if got, want := bytes.Count(c.Data, []byte("\n")), c.Lines; got != want {
				t.Errorf("got %d LF, want Lines %d", got, want)
			}
			if got, want := len(c.Offsets), c.Events+1; got != want {
				t.Fatalf("got %d offsets, want %d", got, want)
			}
			if c.Offsets[0] != 0 || c.Offsets[c.Events] != len(c.Data) {
				t.Errorf("offsets do not span the data: %d..%d of %d", c.Offsets[0], c.Offsets[c.Events], len(c.Data))
			}
			blank := []byte("\n\n")
			if name == corpus.TypicalCRLF {
				blank = []byte("\r\n\r\n")
			}
			for i := 1; i <= c.Events; i++ {
				if !bytes.HasSuffix(c.Data[:c.Offsets[i]], blank) {
					t.Fatalf("event %d does not end with a blank line", i)
				}
			}
			if again := corpus.Build(name, 64<<10); !bytes.Equal(again.Data, c.Data) {
				t.Errorf("two builds differ")
			}
		})
	}
}

// TestReader checks that Reader returns Data, in reads of at most ReadSize
// bytes when ReadSize is set.
func TestReader(t *testing.T) {
	t.Parallel()
	for _, name := range []string{corpus.Typical, corpus.MCPLarge} {
		c := corpus.Build(name, 64<<10)
		r := c.Reader()
		var got []byte
		buf := make([]byte, 1<<20)
		for {
			n, err := r.Read(buf)
			if c.ReadSize > 0 && n > c.ReadSize {
				t.Fatalf("%s: got a read of %d bytes, want at most %d", name, n, c.ReadSize)
			}
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		if !bytes.Equal(got, c.Data) {
			t.Errorf("%s: Reader returned %d bytes that differ from Data (%d bytes)", name, len(got), len(c.Data))
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		seq  int
	}{
		{name: "one", seq: 1},
		{name: "large", seq: 123456789},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := len(corpus.JSON(tt.seq)); got != 200 {
				t.Errorf("got %d bytes, want 200", got)
			}
			if corpus.Payload(tt.seq) == corpus.Payload(tt.seq+1) {
				t.Errorf("payloads %d and %d are equal", tt.seq, tt.seq+1)
			}
		})
	}
}

func TestAppendEvent(t *testing.T) {
	t.Parallel()
	got := string(corpus.AppendEvent(nil, 7, 5))
	want := "retry: 5\nid: 7\ndata: " + corpus.Payload(7) + "\n\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDigests pins the 64 KiB corpora. ssecors/parser_bench_test.go builds
// the same corpora for the in-SDK BenchmarkParse* and checks the same
// digests: change both together.
func TestDigests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		digest string
	}{
		{name: corpus.Small32, digest: "96d7cea28e29be79"},
		{name: corpus.Typical, digest: "49887b16e986dcd6"},
		{name: corpus.Large64K, digest: "2c51ec1a09e752f4"},
		{name: corpus.Multiline20, digest: "2eac3034692491bb"},
		{name: corpus.TypicalCRLF, digest: "5b16d7d934f2c037"},
		{name: corpus.Heartbeat, digest: "7a56fd627c4206e5"},
		{name: corpus.LLMTokens, digest: "6cbfedb28325d4a8"},
		{name: corpus.LLMNamed, digest: "c70053c949aaddd0"},
		{name: corpus.MCPLarge, digest: "cfd29592a952b530"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sum := sha256.Sum256(corpus.Build(tt.name, 64<<10).Data)
			if got := hex.EncodeToString(sum[:8]); got != tt.digest {
				t.Errorf("got digest %s, want %s", got, tt.digest)
			}
		})
	}
}

// TestLargeEvent checks that LargeEvent builds one event of exactly the
// asked size, whose counts match its bytes, and that its Reader honours
// the read size.
func TestLargeEvent(t *testing.T) {
	t.Parallel()
	for _, shape := range []string{corpus.OneLine, corpus.KiBLines} {
		for _, size := range []int{64 << 10, 64<<10 + 3, 1 << 20} {
			t.Run(shape+"/"+corpus.SizeName(size), func(t *testing.T) {
				t.Parallel()
				c := corpus.LargeEvent(size, 16, shape)
				if len(c.Data) != size {
					t.Errorf("got %d bytes, want %d", len(c.Data), size)
				}
				if c.Events != 1 || len(c.Offsets) != 2 || c.Offsets[1] != size {
					t.Errorf("got %d events, offsets %v", c.Events, c.Offsets)
				}
				if !bytes.HasSuffix(c.Data, []byte("\n\n")) || bytes.Count(c.Data, []byte("\n\n")) != 1 {
					t.Errorf("the data does not hold exactly one blank line, at its end")
				}
				if got, want := bytes.Count(c.Data, []byte("\n")), c.Lines; got != want {
					t.Errorf("got %d LF, want Lines %d", got, want)
				}
				dataLines := bytes.Count(c.Data, []byte("data: "))
				if want := int64(size) - 1 - int64(dataLines)*int64(len("data: ")+1) + int64(dataLines-1); c.DataBytes != want {
					t.Errorf("got DataBytes %d, want %d", c.DataBytes, want)
				}
				if shape == corpus.OneLine && dataLines != 1 {
					t.Errorf("got %d data lines, want 1", dataLines)
				}
				if shape == corpus.KiBLines {
					for i, l := range bytes.Split(c.Data[:size-2], []byte("\n")) {
						if len(l)+1 > 1<<10 || len(l) <= len("data: ") {
							t.Fatalf("line %d is %d bytes", i, len(l)+1)
						}
					}
				}
				r := c.Reader()
				buf := make([]byte, 4096)
				total := 0
				for {
					n, err := r.Read(buf)
					if n > 16 {
						t.Fatalf("a Read returned %d bytes, want at most 16", n)
					}
					total += n
					if err != nil {
						break
					}
				}
				if total != size {
					t.Errorf("read %d bytes, want %d", total, size)
				}
			})
		}
	}
}
