module github.com/goae/goae

go 1.22

require golang.org/x/sys v0.30.0 // indirect
