package gen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The package's files are named for the phase they belong to, load → model
// → check → emit (and the write that follows), and none grows into a
// catch-all again.
func TestFilesNamedForPhases(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	shared := []string{"gen.go", "diag.go", "write.go"} // Run, its diagnostics, the disk
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") || slices.Contains(shared, name) {
			continue
		}
		phase, _, _ := strings.Cut(strings.TrimSuffix(name, ".go"), "_")
		if !slices.Contains([]string{"load", "model", "check", "emit"}, phase) {
			t.Errorf("%s: name it for its phase: load*, model*, check* or emit*", name)
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(src), "\n"); n > 450 {
			t.Errorf("%s has %d lines: split it", name, n)
		}
	}
}

// go doc ./gen is a user's page: Run, what it takes and what it returns.
func TestPublicAPI(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range pkgs["gen"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				name := d.Name.Name
				if d.Recv != nil {
					t := d.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if ix, ok := t.(*ast.IndexExpr); ok { // a generic type's method
						t = ix.X
					}
					recv := t.(*ast.Ident)
					if !recv.IsExported() {
						continue // a method for an interface (json.Marshaler), not in go doc
					}
					name = recv.Name + "." + name
				}
				got = append(got, name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							got = append(got, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								got = append(got, n.Name)
							}
						}
					}
				}
			}
		}
	}
	slices.Sort(got)
	want := []string{"Config", "Diagnostic", "Diagnostic.String", "Diagnostics", "Diagnostics.Error", "Output", "Result", "Result.PhaseTimes", "Result.Stale", "Run"}
	if !slices.Equal(got, want) {
		t.Errorf("exported: %q\nwant:     %q", got, want)
	}
}

// The model holds decisions, not Go expressions: apart from rendered types,
// doc comments, paths and patterns, every string in it is a name.
func TestModelHoldsNames(t *testing.T) {
	files := goldenModels(t)
	notNames := map[string]bool{
		"Type": true, "Elem": true, "Stream": true, "InElem": true, "InSeq": true, "Doc": true, "Source": true, "Path": true,
		"Package": true, "Build": true, "Pattern": true, "WireName": true, "Method": true, "Key": true,
		"OpenAPIFile": true,
	}
	var walk func(v reflect.Value, field string)
	walk = func(v reflect.Value, field string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), field)
			}
		case reflect.Struct:
			if v.Type().PkgPath() != reflect.TypeFor[genFile]().PkgPath() {
				return // token.Position
			}
			for i := range v.NumField() {
				walk(v.Field(i), v.Type().Field(i).Name)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), field)
			}
		case reflect.String:
			if s := v.String(); s != "" && !notNames[field] && !token.IsIdentifier(s) {
				t.Errorf("model field %s holds %q, which is not a name", field, s)
			}
		}
	}
	for _, f := range files {
		walk(reflect.ValueOf(f), "")
	}
}
