// Package web holds the static assets of the page and the browser tests that drive them.
//
// The browser tests carry the build tag browser, so plain go test ./... needs
// no browser. Run them after ./build.sh with
//
//	go test -tags browser ./web/...
//
// or through ./build.sh test, which builds the site first. They drive
// headless Chromium (/usr/bin/chromium, or CNNVIZ_CHROMIUM) through chromedp.
package web
