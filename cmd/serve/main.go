// Command serve serves a folder as a static web site, for trying the cnnviz
// page locally:
//
//	go run ./cmd/serve -addr 127.0.0.1:8080 -dir .
//
// It sends .wasm files as application/wasm, which WebAssembly streaming
// compilation requires, and nothing else special: no caching headers, no
// compression. It is a development server, not a production one.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path"
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
	log.Fatal(http.Serve(ln, newHandler(*dir)))
}

// newHandler returns a handler that serves the files under dir and gives
// .wasm files the MIME type application/wasm.
func newHandler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path.Ext(r.URL.Path) == ".wasm" {
			w.Header().Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, r)
	})
}
