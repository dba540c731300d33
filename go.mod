module github.com/ssecors/ssecors-go

go 1.26.0

require golang.org/x/net v0.63.0

require github.com/cenkalti/backoff/v4 v4.3.0
