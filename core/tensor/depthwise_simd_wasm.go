//go:build wasm && goexperiment.simd

package tensor

import "simd/archsimd"

// depthwise3x3SIMD is depthwiseRows for a 3×3 kernel at stride 1 with at
// most one column of padding on each side, and reports whether it ran
// (false for any other geometry). Each output row is computed in one
// pass: four outputs at a time from the three input rows under them,
// nine broadcast weights times unaligned loads, the columns whose window
// leaves the image done one by one. One loop over the row instead of
// nine axpys matters in Go's WebAssembly, where each call and loop
// iteration costs a jump through a dispatch table.
func depthwise3x3SIMD(g Geom, x, k []float32, bias float32, out []float32) bool {
	if g.KH != 3 || g.KW != 3 || g.SH != 1 || g.SW != 1 || g.PW > 1 {
		return false
	}
	oh, ow := g.OutH(), g.OutW()
	// Output columns [lo, hi) have their whole window inside the row.
	lo, hi := g.PW, min(ow, g.W-2+g.PW)
	bv := archsimd.BroadcastFloat32x4(bias)
	var kv [9]archsimd.Float32x4
	for i := range kv {
		kv[i] = archsimd.BroadcastFloat32x4(k[i])
	}
	var rows [3][]float32
	for oy := 0; oy < oh; oy++ {
		o := out[oy*ow : (oy+1)*ow]
		n := 0
		var taps [3]int
		for ky := 0; ky < 3; ky++ {
			if iy := oy + ky - g.PH; iy >= 0 && iy < g.H {
				rows[n] = x[iy*g.W : (iy+1)*g.W]
				taps[n] = ky * 3
				n++
			}
		}
		ox := lo
		if n == 3 {
			// All three rows: the loop body unrolled.
			r0, r1, r2 := rows[0], rows[1], rows[2]
			k0, k1, k2, k3, k4, k5, k6, k7, k8 := kv[0], kv[1], kv[2], kv[3], kv[4], kv[5], kv[6], kv[7], kv[8]
			for ; ox+4 <= hi; ox += 4 {
				i := ox - g.PW
				a0 := k0.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[i : i+4])))
				a1 := k1.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[i+1 : i+5])))
				a2 := k2.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r0[i+2 : i+6])))
				a0 = a0.Add(k3.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[i : i+4]))))
				a1 = a1.Add(k4.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[i+1 : i+5]))))
				a2 = a2.Add(k5.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r1[i+2 : i+6]))))
				a0 = a0.Add(k6.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[i : i+4]))))
				a1 = a1.Add(k7.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[i+1 : i+5]))))
				a2 = a2.Add(k8.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(r2[i+2 : i+6]))))
				bv.Add(a0.Add(a1).Add(a2)).StoreArray((*[4]float32)(o[ox : ox+4]))
			}
		}
		for ; ox+4 <= hi; ox += 4 {
			base := ox - g.PW
			acc := bv
			for r := 0; r < n; r++ {
				row, t := rows[r], taps[r]
				acc = acc.Add(kv[t].Mul(archsimd.LoadFloat32x4Array((*[4]float32)(row[base : base+4]))))
				acc = acc.Add(kv[t+1].Mul(archsimd.LoadFloat32x4Array((*[4]float32)(row[base+1 : base+5]))))
				acc = acc.Add(kv[t+2].Mul(archsimd.LoadFloat32x4Array((*[4]float32)(row[base+2 : base+6]))))
			}
			acc.StoreArray((*[4]float32)(o[ox : ox+4]))
		}
		// The rest of the row, and the columns by the edges.
		for c := 0; c < ow; c++ {
			if c >= lo && c < ox {
				c = ox
				if c >= ow {
					break
				}
			}
			s := bias
			for r := 0; r < n; r++ {
				row, t := rows[r], taps[r]
				for kx := 0; kx < 3; kx++ {
					if ix := c + kx - g.PW; ix >= 0 && ix < g.W {
						s += k[t+kx] * row[ix]
					}
				}
			}
			o[c] = s
		}
	}
	return true
}
