//go:build unix

package doctor_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssecors/ssecors-go/ssecors"
	"github.com/ssecors/ssecors-go/ssecors/doctor"
	"github.com/ssecors/ssecors-go/ssecors/ssetest"
)

// This file runs a real nginx (Debian's package) as a child process, as a
// reverse proxy in front of a test server, so that the production checks
// are proven against the proxy people deploy. Without nginx on PATH (or in
// /usr/sbin) the tests skip, unless CI=true, where they fail.

// nginxProxy is one running nginx: a plain HTTP/1.1 listener and a TLS
// listener, both on 127.0.0.1, proxying to an upstream.
type nginxProxy struct {
	URL    string         // http://127.0.0.1:port
	TLSURL string         // https://127.0.0.1:port
	Client *http.Client   // trusts the TLS listener's certificate
	pool   *x509.CertPool // that certificate
}

// nginxConfig describes one nginx configuration.
type nginxConfig struct {
	// Location holds the directives of the proxied location, beside
	// proxy_pass (proxy_buffering, gzip, proxy_read_timeout...).
	Location string
	// HTTP2 turns on HTTP/2 on the TLS listener.
	HTTP2 bool
}

// nginxBinary finds nginx, or skips the test (fails it when CI=true).
func nginxBinary(t *testing.T) string {
	t.Helper()
	if os.Getenv("SSECORS_NGINX") == "skip" {
		// .ci/run runs these tests in a step of their own, on an idle
		// machine, and skips them in the general -race step, where their
		// timing heuristics would compete with every other package.
		t.Skip("SSECORS_NGINX=skip")
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	msg := "nginx is not installed: these tests run a real nginx in front of the test server (Debian: apt-get install nginx; .ci/run installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startNginx runs nginx in front of upstream (http://host:port) with cfg,
// until the test ends.
func startNginx(t *testing.T, upstream string, cfg nginxConfig) *nginxProxy {
	t.Helper()
	bin := nginxBinary(t)
	dir := t.TempDir()
	certPEM, keyPEM, pool := selfSigned(t)
	for name, b := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		plain, secure := freePort(t), freePort(t)
		h2 := ""
		if cfg.HTTP2 {
			h2 = " http2"
		}
		conf := fmt.Sprintf(`# written by ssecors/doctor's nginx tests
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    proxy_max_temp_file_size 0;
    server {
        listen 127.0.0.1:%[2]d;
        listen 127.0.0.1:%[3]d ssl%[4]s;
        ssl_certificate %[1]s/cert.pem;
        ssl_certificate_key %[1]s/key.pem;
        location / {
            proxy_pass %[5]s;
            %[6]s
        }
    }
}
`, dir, plain, secure, h2, upstream, cfg.Location)
		if os.Geteuid() == 0 {
			// Workers would run as nobody, who cannot read the temp dir.
			conf = "user root;\n" + conf
		}
		path := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path, "-g", "daemon off;")
		// Its own process group, so that the workers end with the
		// master; its output goes to a file, so that no copying goroutine
		// waits for a worker to close a pipe.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := os.Create(filepath.Join(dir, "output.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = out, out
		err = cmd.Start()
		out.Close()
		if err != nil {
			t.Fatalf("nginx: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		stop := func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if err := waitListening(exited, plain, secure); err != nil {
			if !errors.Is(err, errExited) {
				stop()
			}
			output, _ := os.ReadFile(filepath.Join(dir, "output.log"))
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			if attempt < 2 && strings.Contains(string(output)+string(log), "in use") {
				continue // another process took a port: try others
			}
			t.Fatalf("nginx did not start: %v\n%s\n%s", err, output, log)
		}
		t.Cleanup(stop)
		tr := &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
		}
		t.Cleanup(tr.CloseIdleConnections)
		return &nginxProxy{
			URL:    fmt.Sprintf("http://127.0.0.1:%d", plain),
			TLSURL: fmt.Sprintf("https://127.0.0.1:%d", secure),
			Client: &http.Client{Transport: tr},
			pool:   pool,
		}
	}
}

// errExited is the error of waitListening when nginx exited.
var errExited = errors.New("nginx exited")

// waitListening waits until both ports accept connections, nginx exits,
// or 10 s pass.
func waitListening(exited <-chan error, ports ...int) error {
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case err := <-exited:
				return fmt.Errorf("%w: %v", errExited, err)
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d: %v", p, err)
			}
		}
	}
	return nil
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// selfSigned returns a certificate for 127.0.0.1, its key, and a pool
// that trusts it.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ssecors nginx test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), pool
}

// upstream is the stream the test server sends behind nginx: Events
// events of Size bytes of data, Interval apart (the first at once), each
// with an id, after a retry: field; then a heartbeat comment every
// Heartbeat, or silence. It resumes after Last-Event-ID.
type upstream struct {
	Events    int
	Interval  time.Duration
	Size      int
	Heartbeat time.Duration
	Header    http.Header
}

func (u upstream) handler(srv *ssetest.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Origin")
		for k, v := range u.Header {
			h[k] = v
		}
		from := 1
		if id, err := strconv.Atoi(r.Header.Get("Last-Event-Id")); err == nil {
			from = id + 1
		}
		flush := func(s string) bool {
			if _, err := io.WriteString(w, s); err != nil {
				return false
			}
			http.NewResponseController(w).Flush()
			return true
		}
		if !flush("retry: 3000\n\n") {
			return
		}
		pad := strings.Repeat("lorem ipsum dolor sit amet ", u.Size/27+1)[:u.Size]
		wait := func(d time.Duration) bool {
			tm := time.NewTimer(d)
			defer tm.Stop()
			select {
			case <-tm.C:
				return true
			case <-r.Context().Done():
			case <-srv.Done():
			}
			return false
		}
		for i := from; i <= u.Events; i++ {
			if i > from && !wait(u.Interval) {
				return
			}
			if !flush(fmt.Sprintf("id: %d\ndata: {\"n\":%d,\"text\":\"%s\"}\n\n", i, i, pad)) {
				return
			}
		}
		for {
			if u.Heartbeat == 0 {
				wait(time.Hour)
				return
			}
			if !wait(u.Heartbeat) || !flush(": ping\n\n") {
				return
			}
		}
	}
}

// nginxPage is the origin of the page in the nginx tests.
const nginxPage = "https://app.example.test"

// nginxDiagnose starts the upstream and nginx, and diagnoses the stream
// through nginx (over TLS when tls is set).
func nginxDiagnose(t *testing.T, cfg nginxConfig, up upstream, tls bool, do doctor.Options) *doctor.Report {
	t.Helper()
	srv := ssetest.New(ssetest.Endpoint{})
	t.Cleanup(srv.Close)
	srv.Handle("/stream", ssetest.Endpoint{
		CORS:    &ssetest.CORS{AllowOrigin: []string{ssetest.EchoOrigin}},
		Handler: up.handler(srv),
	})
	px := startNginx(t, srv.URL, cfg)
	base := px.URL
	if tls {
		base = px.TLSURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := doctor.Diagnose(ctx, base+"/stream", do, ssecors.WithOrigin(nginxPage), ssecors.WithHTTPClient(px.Client))
	if err != nil {
		t.Fatalf("Diagnose: %v", err)
	}
	return rep
}

// TestNginx runs the doctor through nginx in each configuration that the
// production checks must tell apart, and pins the verdict of each: the
// marks of the production steps, the fix named for every warning, the
// human report (golden files, with timings, counts and ports normalized)
// and the JSON report, which must carry every step.
func TestNginx(t *testing.T) {
	t.Parallel()
	// big sends 600-byte events every 100 ms: enough to fill nginx's
	// 4 KiB buffers every few events. small sends 3 short events, then a
	// heartbeat every 250 ms; silent sends 2 and then nothing.
	big := upstream{Events: 1000, Interval: 100 * time.Millisecond, Size: 600}
	small := upstream{Events: 3, Interval: 100 * time.Millisecond, Size: 10, Heartbeat: 250 * time.Millisecond}
	silent := upstream{Events: 2, Size: 10}
	noAccel := big
	noAccel.Header = http.Header{"X-Accel-Buffering": {"no"}}
	watch := doctor.Options{Watch: 2500 * time.Millisecond}

	for _, tc := range []struct {
		name string
		cfg  nginxConfig
		up   upstream
		tls  bool
		do   doctor.Options
		// marks are the expected marks of the production steps; a
		// warning's Fix must contain fix[step].
		marks map[string]doctor.Mark
		fix   map[string]string
	}{
		{name: "clean-http2", cfg: nginxConfig{Location: "proxy_buffering off;", HTTP2: true}, up: small, tls: true, do: watch,
			marks: map[string]doctor.Mark{"protocol": doctor.MarkPass, "compression": doctor.MarkPass, "buffering": doctor.MarkPass, "idle": doctor.MarkPass, "hygiene": doctor.MarkPass}},
		{name: "http1-only", cfg: nginxConfig{Location: "proxy_buffering off;"}, up: small, tls: true,
			marks: map[string]doctor.Mark{"protocol": doctor.MarkWarn, "compression": doctor.MarkPass, "hygiene": doctor.MarkPass},
			fix:   map[string]string{"protocol": "HTTP/2"}},
		{name: "buffering-on", cfg: nginxConfig{}, up: big, do: watch,
			marks: map[string]doctor.Mark{"buffering": doctor.MarkWarn, "compression": doctor.MarkPass, "idle": doctor.MarkPass},
			fix:   map[string]string{"buffering": "X-Accel-Buffering: no"}},
		// Without a watch the doctor sees one burst before it has its 3
		// events: one sign only, so it says "possibly" and asks to watch.
		{name: "buffering-on-no-watch", cfg: nginxConfig{}, up: big,
			marks: map[string]doctor.Mark{"buffering": doctor.MarkInfo, "compression": doctor.MarkPass}},
		{name: "buffering-off", cfg: nginxConfig{Location: "proxy_buffering off;"}, up: big, do: watch,
			marks: map[string]doctor.Mark{"buffering": doctor.MarkPass, "compression": doctor.MarkPass, "idle": doctor.MarkPass}},
		{name: "x-accel-buffering-no", cfg: nginxConfig{}, up: noAccel, do: watch,
			marks: map[string]doctor.Mark{"buffering": doctor.MarkPass, "compression": doctor.MarkPass, "idle": doctor.MarkPass}},
		{name: "gzip-on", cfg: nginxConfig{Location: "proxy_buffering off; gzip on; gzip_types text/event-stream; gzip_min_length 1;"}, up: big, do: watch,
			marks: map[string]doctor.Mark{"compression": doctor.MarkWarn},
			fix:   map[string]string{"compression": "gzip_types"}},
		{name: "gzip-off", cfg: nginxConfig{Location: "proxy_buffering off; gzip on;"}, up: big, do: watch,
			marks: map[string]doctor.Mark{"compression": doctor.MarkPass, "buffering": doctor.MarkPass}},
		{name: "idle-timeout-silent", cfg: nginxConfig{Location: "proxy_buffering off; proxy_read_timeout 1s;"}, up: silent, do: watch,
			marks: map[string]doctor.Mark{"idle": doctor.MarkWarn, "buffering": doctor.MarkPass, "reconnect": doctor.MarkWarn},
			fix:   map[string]string{"idle": "heartbeat"}},
		{name: "idle-timeout-heartbeats", cfg: nginxConfig{Location: "proxy_buffering off; proxy_read_timeout 1s;"}, up: small, do: watch,
			marks: map[string]doctor.Mark{"idle": doctor.MarkPass, "hygiene": doctor.MarkPass}},
	} {
		// One configuration at a time: the buffering and idle verdicts
		// read timings, which ten nginx instances at once on a small
		// machine would blur.
		t.Run(tc.name, func(t *testing.T) {
			rep := nginxDiagnose(t, tc.cfg, tc.up, tc.tls, tc.do)
			// Without TLS the stream is http on a loopback host, which
			// Safari (WebKit) blocks as mixed content on an https page;
			// the other browsers connect.
			for _, v := range rep.Browsers {
				if want := tc.tls || v.Engine != "WebKit"; v.Connects != want {
					t.Fatalf("%s: connects %t, want %t:\n%s", v.Browser, v.Connects, want, rep)
				}
			}
			for name, want := range tc.marks {
				s := rep.Find(name)
				if s == nil || s.Mark != want {
					t.Errorf("step %s = %+v, want mark %s", name, s, want)
					continue
				}
				if fix := tc.fix[name]; fix != "" && !strings.Contains(s.Fix, fix) {
					t.Errorf("step %s fix = %q, want it to name %q", name, s.Fix, tc.fix[name])
				}
			}
			// No false alarm: a warning only where the table expects one.
			for _, s := range rep.Steps {
				if s.Mark == doctor.MarkWarn && tc.marks[s.Name] != doctor.MarkWarn && !(s.Name == "protocol" && !tc.tls) {
					t.Errorf("unexpected warning %s: %s", s.Name, s.Title)
				}
			}
			wantProto := "HTTP/1.1"
			if tc.cfg.HTTP2 {
				wantProto = "HTTP/2.0"
			}
			if rep.Protocol != wantProto {
				t.Errorf("Protocol = %q, want %q", rep.Protocol, wantProto)
			}
			checkJSON(t, rep)
			if testing.Verbose() {
				t.Logf("ssecors doctor %s/stream --origin %s%s\n%s", map[bool]string{false: "http://127.0.0.1:PORT", true: "https://127.0.0.1:PORT"}[tc.tls],
					nginxPage, map[bool]string{false: "", true: " --watch " + tc.do.Watch.String()}[tc.do.Watch > 0], rep)
			}
			got := nginxGolden(t, "nginx-"+tc.name, rep.String())
			if tc.name == "buffering-on" {
				readmeHolds(t, got)
			}
		})
	}
}

// checkJSON checks that the JSON report carries every step, fix included.
func checkJSON(t *testing.T, rep *doctor.Report) {
	t.Helper()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Protocol string        `json:"protocol"`
		Steps    []doctor.Step `json:"steps"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Protocol != rep.Protocol || !reflect.DeepEqual(got.Steps, rep.Steps) {
		t.Errorf("the JSON report does not carry every step:\n%s", b)
	}
}

var updateNginx = flag.Bool("update", false, "rewrite the golden files in testdata")

// normalize hides what changes from run to run: ports, timings and
// counts.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`\b\d+(\.\d+)?(ms|µs|s)\b`), "<T>"},
	{regexp.MustCompile(`\b\d+ (event|comment|time|deliveries|signal)`), "<N> $1"},
	{regexp.MustCompile(`and \d+ more`), "and <N> more"},
	{regexp.MustCompile(`\(\d+ in all\)`), "(<N> in all)"},
}

// nginxGolden compares the normalized report with testdata/name.golden, or
// rewrites it with -update.
func nginxGolden(t *testing.T, name, got string) string {
	t.Helper()
	got = normalize(got)
	path := filepath.Join("testdata", name+".golden")
	if *updateNginx {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ssecors/doctor -run TestNginx -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("the report differs from %s (run go test ./ssecors/doctor -run TestNginx -update after checking):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
	return got
}

func normalize(s string) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// readmeHolds checks that the README's "Production checks" transcript is
// this report, up to timings, counts and ports.
func readmeHolds(t *testing.T, report string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatalf("README.md not checked: %v", err)
	}
	if !strings.Contains(normalize(string(doc)), report) {
		t.Errorf("README.md does not hold the transcript of the buffering proxy (run go test ./ssecors/doctor -run 'TestNginx/buffering-on$' -v and paste the report)")
	}
}
