// Command colourcov estimates the colour covariance of photos and prints
// its square root as the Go literal of actmax.PhotoColourSqrt:
//
//	go run ./cmd/colourcov testdata/photos/*.png testdata/photos/*.jpg
//
// Every pixel of every photo counts once (values 0..1).
package main

import (
	"fmt"
	"image"
	"log"
	"os"

	"cnnviz/core/actmax"
	"cnnviz/core/input"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("colourcov: ")
	if len(os.Args) < 2 {
		log.Fatal("name one or more PNG or JPEG photos")
	}
	var imgs []image.Image
	for _, name := range os.Args[1:] {
		b, err := os.ReadFile(name)
		if err != nil {
			log.Fatal(err)
		}
		img, err := input.DecodeImage(b)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		imgs = append(imgs, img)
	}
	cov, n, err := actmax.ColourCovariance(imgs...)
	if err != nil {
		log.Fatal(err)
	}
	s, err := actmax.ColourSqrt(cov)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("// %d photos, %d pixels; covariance %.5f\n", len(imgs), n, cov)
	fmt.Println("var PhotoColourSqrt = [3][3]float64{")
	for _, row := range s {
		fmt.Printf("\t{%.4f, %.4f, %.4f},\n", row[0], row[1], row[2])
	}
	fmt.Println("}")
}
