package gen

import (
	"cmp"
	"fmt"
	"go/types"
	"path/filepath"
	"slices"
)

// build scans and models every loaded package and returns the files to
// generate and the loaded packages.
func (b *builder) build(pkgs []*loadedPkg) ([]*genFile, []*loadedPkg) {
	slices.SortFunc(pkgs, func(x, y *loadedPkg) int { return cmp.Compare(x.PkgPath, y.PkgPath) })
	var files []*genFile
	var loadDiags []Diagnostic
	anyService := false
	for _, pkg := range pkgs {
		if len(pkg.Syntax) == 0 && len(pkg.Errors) > 0 {
			// Nothing of the package loaded (a directory without Go files,
			// files all excluded by build constraints): a pattern names
			// what is not there, which is an error beside other packages too.
			b.d.list = append(b.d.list, loadErrors(pkg, true, nil)...)
			continue
		}
		if pkg.Types == nil || pkg.TypesInfo == nil {
			loadDiags = append(loadDiags, loadErrors(pkg, true, nil)...)
			continue
		}
		before := len(b.d.list)
		sc := b.scan(pkg)
		if len(sc.services) == 0 {
			if len(b.d.list) > before {
				// Directive mistakes: the package was meant to have a service.
				b.d.list = append(b.d.list, loadErrors(pkg, false, nil)...)
			} else {
				loadDiags = append(loadDiags, loadErrors(pkg, true, nil)...)
			}
			continue
		}
		anyService = true
		var names []string
		var sound []*serviceDecl // the services whose types compile
		for _, sd := range sc.services {
			names = append(names, sd.obj.Name())
			if !hasInvalid(sd.obj.Type().Underlying(), map[types.Type]bool{}) {
				sound = append(sound, sd)
			}
		}
		broken := len(sound) < len(sc.services)
		errs := loadErrors(pkg, broken, names)
		b.d.list = append(b.d.list, errs...)
		if broken && len(errs) == 0 {
			for _, sd := range sc.services {
				if !slices.Contains(sound, sd) {
					b.d.at(sd.spec.Name.Pos(), sd.obj.Name(), "the service's types do not compile: go build says why")
				}
			}
		}
		if len(errs) > 0 && !onlyTypeErrors(pkg) {
			continue // what was parsed may lack what was meant
		}
		// The type checker's errors are reported with the services they
		// break; the other services are checked all the same, so that
		// every problem shows in one run.
		sc.services = sound
		files = append(files, b.buildPackage(sc)...)
	}
	// Files of services built only for another platform or other tags are
	// left alone (see write); say so.
	elsewhere := servicesElsewhere(pkgs)
	for _, name := range elsewhere {
		b.notes = append(b.notes, Diagnostic{Pos: posOfFile(name), Message: "build constraints exclude this file for this GOOS and GOARCH, so its services are not generated; their generated file is kept as it is (generate where the file builds, or set GOOS and GOARCH)"})
	}
	if !anyService && len(b.d.list) == 0 {
		switch {
		case len(loadDiags) > 0:
			b.d.list = append(b.d.list, loadDiags...)
		case len(elsewhere) > 0:
			// Nothing to do on this platform.
		default:
			if tests := servicesInTests(pkgs); len(tests) > 0 {
				for _, pos := range tests {
					b.d.list = append(b.d.list, Diagnostic{Pos: pos, Message: "this //stdrpc:service is in a _test.go file, which stdrpc does not read (the package's other files cannot refer to a test file's types): move the interface to a file whose name does not end in _test.go"})
				}
				break
			}
			var paths []string
			for _, pkg := range pkgs {
				paths = append(paths, pkg.PkgPath)
			}
			b.d.list = append(b.d.list, Diagnostic{Message: fmt.Sprintf(
				"no service in %s: mark an interface with a //stdrpc:service line in its doc comment", describePackages(paths))})
		}
	}
	b.workspaceHint()
	return files, pkgs
}

// buildPackage returns the generated files of one package.
func (b *builder) buildPackage(sc *pkgScan) []*genFile {
	pkg := sc.pkg
	var builds []*serviceBuild
	failed := false
	for _, sd := range sc.services {
		if sb := b.buildService(sc, sd); sb != nil {
			builds = append(builds, sb)
			failed = failed || sb.failed
		} else {
			failed = true
		}
	}
	for fn, rds := range sc.routes {
		if !sc.served[fn] {
			for _, rd := range rds {
				b.d.at(rd.pos, "", "//stdrpc:http is on %s.%s, which is not a method of a //stdrpc:service interface: mark the interface, or move the route", recvName(fn), fn.Name())
			}
		}
	}
	for fn, ds := range sc.idempotent {
		if !sc.served[fn] {
			for _, d := range ds {
				b.d.at(d.pos, "", "//stdrpc:idempotent is on %s.%s, which is not a method of a //stdrpc:service interface: mark the interface, or remove the directive", recvName(fn), fn.Name())
			}
		}
	}
	for fn, ds := range sc.jsonrpc {
		if !sc.served[fn] {
			for _, d := range ds {
				b.d.at(d.pos, "", "//stdrpc:jsonrpc is on %s.%s, which is not a method of a //stdrpc:service interface: mark the interface, or remove the directive", recvName(fn), fn.Name())
			}
		}
	}
	b.checkJSONRPCAliases(builds)
	generated := b.checkCollisions(pkg, builds)
	wireNames := map[string]*service{}
	for _, sb := range builds {
		if other, dup := wireNames[sb.svc.WireName]; dup {
			b.d.at(sb.decl.spec.Name.Pos(), sb.svc.Name, "the service name %q is also %s's (a server or mux can hold only one): set a different name= on one of them", sb.svc.WireName, other.Name)
			continue
		}
		wireNames[sb.svc.WireName] = sb.svc
	}

	if failed {
		return nil // reported; nothing is emitted
	}

	// One file per source file, services in source order.
	byFile := map[string][]*serviceBuild{}
	for _, sb := range builds {
		byFile[sb.decl.filename] = append(byFile[sb.decl.filename], sb)
	}
	codecs, gobs := planJSON(pkg.Types, builds), planGob(pkg.Types, builds)
	var files []*genFile
	for name, sbs := range byFile {
		files = append(files, b.buildFile(pkg, name, sbs, generated, codecs, gobs))
	}
	slices.SortFunc(files, func(a, b *genFile) int { return cmp.Compare(a.Path, b.Path) })
	if d := b.buildOpenAPI(sc, builds, files); d != nil {
		b.docs = append(b.docs, d)
		for _, sb := range builds {
			sb.svc.OpenAPIFile = filepath.Base(d.Path)
		}
	}
	return files
}

func recvName(fn *types.Func) string {
	if sig, ok := fn.Type().(*types.Signature); ok && sig.Recv() != nil {
		if n, ok := types.Unalias(sig.Recv().Type()).(*types.Named); ok {
			return n.Obj().Name()
		}
	}
	return "?"
}

// warnings returns the wire checker's warnings, in position order.
func (b *builder) warnings() []Diagnostic {
	ds := &diags{fset: b.fset}
	for _, w := range b.wire.warnings {
		ds.at(w.field.Pos(), "", "%s", w.message())
	}
	return ds.sorted(b.dir)
}
