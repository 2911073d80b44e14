package collector

import (
	"context"
	"fmt"
	"strings"

	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/collector/tail"
	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/gateway"
)

// wirer is what one gateway section may add to an engine (gateway.Wirer),
// bound to the section's kind so its rows carry the kind's name.
type wirer struct {
	e              *Engine
	kind, instance string
	tailOpt        tail.Options
}

func (w *wirer) Backlog() bool          { return w.e.opt.Backlog }
func (w *wirer) Config() *config.Config { return w.e.cfg }

func (w *wirer) Scraper(s feed.Scraper) {
	if w.e.opt.Backlog {
		return
	}
	sc := &scrapeLoop{kind: w.kind, instance: w.instance, s: s, sink: w.e.agg.For(w.instance)}
	w.e.loops = append(w.e.loops, loop{name: w.instance + " " + s.Source() + " " + s.Target(), interval: w.e.cfg.Interval,
		timeout: w.e.cfg.ProbeTimeout, fn: sc.scrape})
}

func (w *wirer) Log(source, path string, p feed.LineParser) {
	l := newLineLog(w.kind, w.instance, source, path, w.tailOpt, p, w.e.agg.For(w.instance))
	if w.e.opt.Backlog && w.e.opt.Range.Set() {
		l.limitTo(path, w.e.opt.Range, w.tailOpt)
	} else if _, ok := p.(feed.Forker); ok && w.e.opt.Backlog && !w.e.opt.SerialBacklog && path != StdinPath {
		maxLine := w.tailOpt.MaxLine
		if maxLine <= 0 {
			maxLine = tail.DefaultMaxLine
		}
		l.split = &splitter{agg: w.e.agg, chunk: w.e.opt.BacklogChunk, maxLine: maxLine}
	}
	if w.e.raw != nil {
		l.keepRaw(w.e.raw)
	}
	w.e.logs = append(w.e.logs, l)
}

// wire adds every configured gateway section's sources.
func (e *Engine) wire(topt tail.Options) error {
	for _, g := range e.cfg.Gateways {
		s, ok := g.Section.(gateway.Section)
		if !ok {
			return fmt.Errorf("%s: this build cannot watch that kind of gateway", g.Kind)
		}
		if err := s.Wire(&wirer{e: e, kind: g.Kind, instance: g.Name, tailOpt: topt}); err != nil {
			return err
		}
	}
	var stdins []string
	for _, l := range e.logs {
		if l.tailer.Path() == (&stdinReader{}).Path() {
			stdins = append(stdins, l.instance+" "+l.source)
		}
	}
	if len(stdins) > 1 {
		return fmt.Errorf("%d logs read standard input (%s): one at most can be -", len(stdins), strings.Join(stdins, ", "))
	}
	return nil
}

// scrapeLoop runs one scraper and owns its health row, as Prometheus'
// scrape loop owns `up`: the scraper returns counters or an error, and
// the loop adds the kind, the target, the time and how long it took.
type scrapeLoop struct {
	kind, instance string
	s              feed.Scraper
	sink           feed.Sink
}

func (l *scrapeLoop) scrape(ctx context.Context) { feed.ScrapeAs(ctx, l.kind, l.instance, l.s, l.sink) }

// LiveSources reports whether a configuration has sources that a backlog
// analysis skips: probes and status pages, which say how things are now,
// not when the logs were written.
func LiveSources(cfg *config.Config) bool {
	for _, u := range cfg.Upstreams {
		if u.Probe != "" {
			return true
		}
	}
	c := &counter{cfg: cfg}
	for _, g := range cfg.Gateways {
		if s, ok := g.Section.(gateway.Section); ok {
			_ = s.Wire(c) // a section that cannot be wired fails later, with its error
		}
	}
	return c.scrapers > 0
}

// counter is a gateway.Wirer that only counts what a section would add.
type counter struct {
	cfg      *config.Config
	scrapers int
}

func (c *counter) Scraper(feed.Scraper)                { c.scrapers++ }
func (c *counter) Log(string, string, feed.LineParser) {}
func (c *counter) Backlog() bool                       { return false }
func (c *counter) Config() *config.Config              { return c.cfg }
