//go:build js && wasm

package main

import (
	"fmt"
	"image"
	"syscall/js"
	"time"

	"cnnviz/core/explorer"
)

// save downloads the trained model or a checkpoint.
func (v *trainingView) save(c *Ctx, s *explorer.Training, checkpoint bool) {
	var b []byte
	var err error
	name := "trained"
	if s.T != nil {
		name = fmt.Sprintf("%s-step%d", s.T.Model.Spec.Name, s.T.Steps())
	}
	if checkpoint {
		b, err = s.Checkpoint()
		name += ".checkpoint.safetensors"
	} else {
		b, err = s.ModelFile()
		name += ".safetensors"
	}
	if err == nil {
		err = download(name, "application/octet-stream", b)
	}
	if err != nil {
		c.ShowError("save: " + err.Error())
	}
}

// The architecture editor is a DOM textarea laid over the view's area.

func (v *trainingView) toggleEditor(c *Ctx, s *explorer.Training) {
	v.editorOpen = !v.editorOpen
	v.editorErr = ""
	if v.editor.IsUndefined() || v.editor.IsNull() || v.editor.Type() == js.TypeUndefined {
		v.makeEditor()
	}
	if v.editorOpen {
		v.setEditorText(s.Text)
		v.editor.Get("style").Set("display", "block")
		v.editor.Call("focus")
		go v.watchEditor()
	} else {
		v.editor.Get("style").Set("display", "none")
	}
}

func (v *trainingView) makeEditor() {
	doc := js.Global().Get("document")
	ta := doc.Call("createElement", "textarea")
	ta.Set("id", editorID)
	ta.Set("spellcheck", false)
	ta.Call("setAttribute", "aria-label", "Architecture: one layer per line")
	st := ta.Get("style")
	for k, val := range map[string]string{"position": "fixed", "display": "none", "zIndex": "5", "boxSizing": "border-box",
		"font": "13px ui-monospace, monospace", "background": "#0b1220", "color": "#e2e8f0", "border": "1px solid #38bdf8",
		"padding": "8px", "resize": "none"} {
		st.Set(k, val)
	}
	// Keys typed here belong to the text, not to the app's shortcuts.
	stop := js.FuncOf(func(_ js.Value, a []js.Value) any { a[0].Call("stopPropagation"); return nil })
	for _, ev := range []string{"keydown", "keyup", "keypress"} {
		ta.Call("addEventListener", ev, stop)
	}
	doc.Get("body").Call("appendChild", ta)
	v.editor = ta
}

func (v *trainingView) setEditorText(text string) {
	if v.editor.Type() == js.TypeObject {
		v.editor.Set("value", text)
	}
}

// placeEditor puts the textarea over r (device pixels of the canvas).
func (v *trainingView) placeEditor(c *Ctx, r image.Rectangle) {
	canvas := js.Global().Get("document").Call("querySelector", "canvas")
	if !canvas.Truthy() || v.editor.Type() != js.TypeObject {
		return
	}
	b := canvas.Call("getBoundingClientRect")
	dpr := theGame.dpr
	st := v.editor.Get("style")
	st.Set("left", fmt.Sprintf("%.0fpx", b.Get("left").Float()+float64(r.Min.X)/dpr))
	st.Set("top", fmt.Sprintf("%.0fpx", b.Get("top").Float()+float64(r.Min.Y)/dpr))
	st.Set("width", fmt.Sprintf("%.0fpx", float64(r.Dx())/dpr))
	st.Set("height", fmt.Sprintf("%.0fpx", float64(r.Dy())/dpr))
}

// watchEditor hides the textarea when the view stops being shown.
func (v *trainingView) watchEditor() {
	for {
		time.Sleep(150 * time.Millisecond)
		if !v.editorOpen {
			return
		}
		if time.Since(v.lastUpdate) > 120*time.Millisecond || theGame.help {
			v.editor.Get("style").Set("display", "none")
		} else {
			v.editor.Get("style").Set("display", "block")
		}
	}
}

func (v *trainingView) applyEditor(c *Ctx, s *explorer.Training) {
	text := v.editor.Get("value").String()
	if _, err := explorer.ParseArchitecture(text); err != nil {
		v.editorErr = "architecture: " + err.Error()
		return
	}
	old := s.Text
	s.Text = text
	if err := s.Reset(); err != nil {
		s.Text = old
		v.editorErr = err.Error()
		return
	}
	v.editorErr = ""
	c.App.SetOption(explorer.KeyTrainArch, "")
	if err := c.App.SetModel(explorer.TrainedModel); err != nil {
		c.ShowError(err.Error())
	}
	v.toggleEditor(c, s)
}

// openCheckpointPicker opens a file chooser for a checkpoint to resume.
func openCheckpointPicker() {
	in := js.Global().Get("document").Call("getElementById", checkpointID)
	if !in.Truthy() {
		in = newFilePicker(theGame, checkpointID, ".safetensors", "Resume training from a checkpoint file", func(name string, b []byte) {
			if err := resumeFrom(theGame, b); err != nil {
				showError(fmt.Sprintf("%s: %v", name, err))
			}
		})
	}
	in.Call("click")
}

// resumeFrom resumes the session from checkpoint bytes and shows the model.
func resumeFrom(g *game, b []byte) error {
	s := session(g)
	if err := s.Resume(b); err != nil {
		return err
	}
	if err := g.app.SetModel(explorer.TrainedModel); err != nil {
		return err
	}
	g.say("resumed %s at step %d", s.T.Model.Spec.Name, s.T.Steps())
	return nil
}
