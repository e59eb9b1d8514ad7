module github.com/kata-go/concurrency

go 1.26.0

replace github.com/stretchr/testify => ./fake-testify
