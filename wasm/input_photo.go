//go:build js && wasm

package main

import (
	"image"
	"strings"

	"cnnviz/core/explorer"
)

// photoButtons offers a colour model's inputs: the sample photos, the
// webcam, and Upload for one's own.
func (g *game) photoButtons(r image.Rectangle) {
	var labels, ids []string
	var on []bool
	var acts []func()
	for _, name := range explorer.Photos() {
		labels, ids = append(labels, strings.ToUpper(name[:1])+name[1:]), append(ids, "photo-"+name)
		in := g.app.State.Input
		on = append(on, in.Kind == explorer.InputPhoto && in.Photo == name)
		acts = append(acts, func() { g.try(g.app.ShowPhoto(name)) })
	}
	camOn := g.cam.state == "on" || g.cam.state == "starting"
	labels, ids, on = append(labels, "Camera"), append(ids, "camera"), append(on, camOn)
	acts = append(acts, func() {
		if camOn {
			g.cam.stop()
			return
		}
		g.try(g.cam.start(g))
	})
	labels, ids, on, acts = append(labels, "Upload…"), append(ids, "upload"), append(on, false), append(acts, openFilePicker)
	g.buttonRow(r, g.ui.u(4), labels, ids, on, acts)
}
