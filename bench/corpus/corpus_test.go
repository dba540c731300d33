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
