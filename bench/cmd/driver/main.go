// Command driver runs one library through one measurement and prints the
// result as JSON; cmd/report starts it (as itself, re-executed) once per
// library and round. Run it by hand to look at one library:
//
//	go run ./cmd/driver parse -lib ssecors -corpora typical -cpuprofile cpu.pprof
//	go run ./cmd/driver e2e -lib go-sse -url http://127.0.0.1:PORT/stream?n=100000 -n 100000
//	go run ./cmd/driver large -lib go-sse -size 1048576 -read 16 -limit 10s
//
// Modes: parse, large, e2e, idle, reconnect, conform; -h after a mode lists its flags.
package main

import (
	"os"

	"github.com/ssecors/ssecors-go/bench/internal/driver"
)

func main() {
	os.Exit(driver.Main(os.Args[1:], os.Stdout, os.Stderr))
}
