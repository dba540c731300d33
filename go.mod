module github.com/ssecors/ssecors-go

go 1.23.0

require golang.org/x/net v0.43.0

require github.com/cenkalti/backoff/v4 v4.3.0
