//go:build js && wasm

// Command wasm is a minimal stand-in for the browser shell of cnnviz. It runs
// an ebiten game that fills the screen and prints "cnnviz", defines
// window.cnnviz with a single version function, and tells the loader that it
// started. It exists so that the page, the build and the browser tests can be
// developed before the real shell; the real shell replaces this file.
package main

import (
	"image/color"
	"log"
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/ebitenutil"
)

// background is the colour that fills the screen.
var background = color.RGBA{R: 0x1e, G: 0x29, B: 0x3b, A: 0xff}

// game draws a filled background and a label, and announces itself to the
// page on its first update, once ebiten has created its canvas.
type game struct {
	announced bool
}

func (g *game) Update() error {
	if !g.announced {
		g.announced = true
		announce()
	}
	return nil
}

func (g *game) Draw(screen *ebiten.Image) {
	screen.Fill(background)
	ebitenutil.DebugPrint(screen, "cnnviz")
}

func (g *game) Layout(outsideWidth, outsideHeight int) (int, int) {
	return outsideWidth, outsideHeight
}

// announce defines window.cnnviz and calls window.cnnvizStarted.
func announce() {
	api := js.Global().Get("Object").New()
	api.Set("version", js.FuncOf(func(js.Value, []js.Value) any {
		return js.Global().Get("Promise").Call("resolve", "dev")
	}))
	js.Global().Set("cnnviz", api)
	if started := js.Global().Get("cnnvizStarted"); started.Type() == js.TypeFunction {
		started.Invoke()
	}
}

func main() {
	ebiten.SetWindowTitle("cnnviz")
	if err := ebiten.RunGame(&game{}); err != nil {
		log.Fatalf("cnnviz: %v", err)
	}
}
