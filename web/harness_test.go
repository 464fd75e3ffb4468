//go:build browser

package web

// This file is the harness of the browser tests: a test server for the
// repository root, one headless Chromium per test with a record of its
// console errors and network requests, and small helpers to load the page,
// wait for it, evaluate JavaScript and take screenshots.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cnnviz/cmd/serve/static"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	// repoRoot is the repository root, seen from this package's folder.
	repoRoot = ".."
	// screenshotDir receives the screenshots that the tests take.
	screenshotDir = "testdata/screenshots"

	readyTimeout  = 60 * time.Second
	actionTimeout = 60 * time.Second
)

// siteURL is the URL of the test server that serves the repository root,
// without a final slash. TestMain sets it.
var siteURL string

func TestMain(m *testing.M) {
	for _, f := range []string{"index.html", "web/cnnviz.wasm", "web/wasm_exec.js", "web/loader.js"} {
		if _, err := os.Stat(filepath.Join(repoRoot, f)); err != nil {
			fmt.Fprintf(os.Stderr, "web: %s is missing; run ./build.sh before the browser tests\n", f)
			os.Exit(1)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "web: %v\n", err)
		os.Exit(1)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: siteHandler(repoRoot)}}
	srv.Start()
	siteURL = srv.URL
	code := m.Run()
	srv.Close()
	os.Exit(code)
}

// siteHandler serves the files under dir as cmd/serve does: precompressed
// copies to a browser that accepts them (package static).
func siteHandler(dir string) http.Handler {
	return static.Handler(http.Dir(dir))
}

// chromiumPath returns the browser to drive.
func chromiumPath() string {
	if p := os.Getenv("CNNVIZ_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// tab records what happens in one browser tab.
type tab struct {
	mu       sync.Mutex
	pageURL  string   // the last URL given to navigate
	errors   []string // console errors, uncaught exceptions, browser log errors
	requests []string // every URL the tab requested
}

type tabKey struct{}

func tabOf(ctx context.Context) *tab {
	return ctx.Value(tabKey{}).(*tab)
}

// record runs in chromedp's event loop for every event of the tab: it must
// return fast and must not run commands.
func (tb *tab) record(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			tb.errors = append(tb.errors, "console."+string(ev.Type)+": "+argsText(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		tb.errors = append(tb.errors, "uncaught: "+exceptionText(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		if ev.Entry != nil && ev.Entry.Level == log.EntryLevelError {
			tb.errors = append(tb.errors, fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		if ev.Request != nil {
			tb.requests = append(tb.requests, ev.Request.URL)
		}
	}
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		switch {
		case a == nil:
		case a.Type == runtime.RemoteObjectTypeString:
			var s string
			if json.Unmarshal(a.Value, &s) != nil {
				s = string(a.Value)
			}
			parts = append(parts, s)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

// foreign returns the requests that left the page's own origin. A page served
// by the test server may request files of that server; a page opened from
// a file may request only that file. data: and blob: URLs stay in the page.
func (tb *tab) foreign() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	page, err := url.Parse(tb.pageURL)
	if err != nil {
		return []string{"unparsable page URL " + tb.pageURL}
	}
	page.Fragment = ""
	var out []string
	for _, r := range tb.requests {
		u, err := url.Parse(r)
		if err != nil {
			out = append(out, r)
			continue
		}
		u.Fragment = ""
		switch {
		case u.Scheme == "data" || u.Scheme == "blob" || r == "about:blank":
		case page.Scheme == "file" && u.String() == page.String():
		case page.Scheme != "file" && u.Scheme == page.Scheme && u.Host == page.Host:
		default:
			out = append(out, r)
		}
	}
	return out
}

// newTab starts a headless Chromium with the flags that DESIGN.md lists and a
// fresh profile, and returns the context of its tab. The browser ends when
// the test ends; any request that went to another origin fails the test.
// extra adds flags for one test (a fake camera, say).
func newTab(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	bin := chromiumPath()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("chromium is missing at %s (Debian: apt-get install chromium, or set CNNVIZ_CHROMIUM): %v", bin, err)
	}
	profile := t.TempDir()
	var browserOutput lockedBuffer
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		// Chromium 139 and later give WebGL a software renderer only when
		// asked to: without this flag the page has no WebGL 2 at all.
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
		chromedp.CombinedOutput(&browserOutput),
	}, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tb := &tab{}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(tb.record))
	// Start the browser with no deadline, so that the timeouts of later
	// actions do not end the browser.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v\n%s", bin, err, browserOutput.String())
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		for _, r := range tb.foreign() {
			t.Errorf("the page requested %s, outside its origin", r)
		}
		if t.Failed() {
			logBrowserOutput(t, browserOutput.String())
		}
	})
	return context.WithValue(ctx, tabKey{}, tb)
}

// logBrowserOutput logs the last lines that Chromium wrote, without its
// complaints about the missing D-Bus, which are normal in a container.
func logBrowserOutput(t *testing.T, out string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.Contains(l, "dbus") {
			lines = append(lines, l)
		}
	}
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	if len(lines) > 0 {
		t.Logf("chromium output (last lines):\n%s", strings.Join(lines, "\n"))
	}
}

// navigate loads u in the tab and waits for its load event.
func navigate(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	tb := tabOf(ctx)
	tb.mu.Lock()
	tb.pageURL = u
	tb.mu.Unlock()
	tctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("navigate to %s: %v", u, err)
	}
}

// openPage starts a browser and opens the page of the test server with the
// given URL hash ("" or "#...").
func openPage(t *testing.T, hash string) context.Context {
	t.Helper()
	ctx := newTab(t)
	navigate(t, ctx, siteURL+"/"+hash)
	return ctx
}

// waitReady waits until window.cnnvizReady resolves, and fails the test with
// the page's text if it rejects or takes longer than a minute. It logs the
// loader's timings.
func waitReady(t *testing.T, ctx context.Context) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	_, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(async () => {
		while (!window.cnnvizReady) await new Promise(r => setTimeout(r, 50));
		await window.cnnvizReady;
		return true;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		text, _ := evalErr[string](ctx, `document.body.innerText`)
		t.Fatalf("the page did not become ready: %v\npage text:\n%s\nconsole errors: %q", err, text, consoleErrors(ctx))
	}
	timings, err := evalErr[map[string]float64](ctx, `window.cnnvizTimings`)
	if err == nil {
		t.Logf("page ready %.0f ms after navigation start (program downloaded at %.0f ms, instantiated at %.0f ms)",
			timings["ready"], timings["downloaded"], timings["instantiated"])
	}
}

// evalErr evaluates js in the page, awaits the value if it is a promise, and
// decodes it into T.
func evalErr[T any](ctx context.Context, js string) (T, error) {
	tctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	return chromedp.Run(tctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// evalJS is evalErr that fails the test on an error.
func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := evalErr[T](ctx, js)
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// consoleErrors returns the console errors, uncaught exceptions and browser
// log errors of the tab so far.
func consoleErrors(ctx context.Context) []string {
	tb := tabOf(ctx)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errors...)
}

// requests returns the URLs that the tab requested so far.
func requests(ctx context.Context) []string {
	tb := tabOf(ctx)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.requests...)
}

// screenshot captures the viewport, writes it to
// testdata/screenshots/name.png and returns it.
func screenshot(t *testing.T, ctx context.Context, name string) image.Image {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	b, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	return img
}

// lockedBuffer is a bytes.Buffer that several goroutines may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}
