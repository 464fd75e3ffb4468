// Command serve serves a folder as a static web site, for trying the cnnviz
// page locally:
//
//	go run ./cmd/serve -addr 127.0.0.1:8080 -dir .
//
// It serves files as package static does: .wasm files as application/wasm,
// which WebAssembly streaming compilation requires, and a file's
// precompressed copy (file.br, file.gz, which ./build.sh writes for the
// large files) with Content-Encoding to a browser that accepts it, as
// static hosts do. It sets no caching headers: it is a development server,
// not a production one.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"cnnviz/cmd/serve/static"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := flag.String("dir", ".", "folder to serve")
	flag.Parse()

	if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
		log.Fatalf("serve: %s is not a folder", *dir)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("serve: %v", err)
	}
	fmt.Printf("cnnviz: http://%s/\n", ln.Addr())
	log.Fatal(http.Serve(ln, static.Handler(http.Dir(*dir))))
}
