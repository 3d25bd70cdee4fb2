// SPDX-License-Identifier: MIT

// baseline: a vSphere realtime-metrics collector written the way govmomi
// users (Telegraf's vsphere input, govc metric.sample) write one, with
// govmomi's performance package. It exists only as the yardstick for
// bench/: CPU seconds per collected value, against the same vCenter (vcsim)
// and the same counter set as the collectd-vsphere plugin.
//
// Build (GOPATH mode, Debian's govmomi, no network): bench/build-baseline.sh
//
// It logs in once, lists powered-on VMs and powered-on, connected hosts
// through a ContainerView, reads the counter catalog once, then runs -rounds
// collection rounds. Each round queries every entity (intervalId 20,
// format normal): MaxSample 1 the first time, afterwards StartTime = the
// newest sample seen for that entity with MaxSample 180 (what the plugin
// does, see src/vs_plan.c). Entities are batched -batch per QueryPerf call
// (one kind per call), with -concurrency calls in flight. Every answer is
// run through Manager.ToMetricSeries, as Telegraf/govc do.
//
// stdout: one JSON object per round:
//
//	{"round":1,"wall_s":..,"cpu_s":..,"values":..,"new_values":..,
//	 "series":..,"requests":..,"entities":..}
//
// values: sample values received that are not -1 (i.e. >= 0);
// new_values: those of them newer than the entity's last seen sample
// (what the plugin would dispatch); series: metric series received;
// requests: QueryPerf calls; cpu_s: user+system CPU of this process
// (getrusage) over the round. Everything else goes to stderr.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/performance"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	realtimeInterval = 20  // seconds; intervalId of the realtime stats
	maxSamples       = 180 // VS_REALTIME_MAX_SAMPLES in src/vs_plan.h

	defaultMetricsFile = "src/vs_counters.c" // vs_default_metrics[]
)

type kind int

const (
	kindVM kind = iota
	kindHost
	numKinds
)

var kindNames = [numKinds]string{"vm", "host"}

type entity struct {
	ref  types.ManagedObjectReference
	kind kind
	// Newest sample timestamp seen so far; zero = none yet. Each entity
	// is in exactly one batch, so only one goroutine touches it per round.
	last time.Time
}

type roundStats struct {
	values, newValues, series, requests int64
}

func logf(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "baseline: "+format+"\n", a...)
}

// readMetrics returns the "<kind>.<group>.<name>.<rollup>" entries of path:
// either a plain list (one per line, '#' comments), or a C source holding
// the plugin's `vs_default_metrics[] = { "...", ... };` initializer
// (src/vs_counters.c), whose string literals are taken.
func readMetrics(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := string(data)
	var out []string
	if i := strings.Index(text, "vs_default_metrics[]"); i >= 0 {
		body := text[i:]
		open := strings.Index(body, "{")
		end := strings.Index(body, "};")
		if open < 0 || end < open {
			return nil, fmt.Errorf("%s: cannot find the vs_default_metrics initializer", path)
		}
		body = body[open+1 : end]
		body = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(body, "")
		for _, m := range regexp.MustCompile(`"([^"\\]*)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
	} else {
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no metrics listed", path)
	}
	return out, nil
}

// metricsPath resolves the default -metrics-file when not run from the
// repository root: bench/bin/baseline -> <root>/src/vs_counters.c.
func metricsPath(p string) string {
	if p != defaultMetricsFile {
		return p
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if exe, err := os.Executable(); err == nil {
		alt := filepath.Join(filepath.Dir(exe), "..", "..", defaultMetricsFile)
		if _, err := os.Stat(alt); err == nil {
			return alt
		}
	}
	return p
}

// selectCounters maps the metric list onto the catalog: per kind, the
// PerfMetricIds to ask for. Counters missing from the catalog are left out.
func selectCounters(list []string, catalog map[string]*types.PerfCounterInfo, instance string) ([numKinds][]types.PerfMetricId, error) {
	var ids [numKinds][]types.PerfMetricId
	seen := make(map[string]bool)
	for _, full := range list {
		dot := strings.IndexByte(full, '.')
		if dot < 0 {
			return ids, fmt.Errorf("bad metric %q: want <kind>.<group>.<name>.<rollup>", full)
		}
		k := -1
		for i, n := range kindNames {
			if full[:dot] == n {
				k = i
			}
		}
		if k < 0 {
			return ids, fmt.Errorf("bad metric %q: kind must be vm or host", full)
		}
		info, ok := catalog[full[dot+1:]]
		if !ok {
			logf("%s: not in the counter catalog, left out", full)
			continue
		}
		key := fmt.Sprintf("%d/%d", k, info.Key)
		if seen[key] {
			continue
		}
		seen[key] = true
		ids[k] = append(ids[k], types.PerfMetricId{CounterId: info.Key, Instance: instance})
	}
	for k := range ids {
		sort.Slice(ids[k], func(i, j int) bool { return ids[k][i].CounterId < ids[k][j].CounterId })
	}
	return ids, nil
}

func discover(ctx context.Context, c *govmomi.Client) ([]*entity, [numKinds]int, error) {
	var counts [numKinds]int
	m := view.NewManager(c.Client)
	v, err := m.CreateContainerView(ctx, c.ServiceContent.RootFolder,
		[]string{"VirtualMachine", "HostSystem"}, true)
	if err != nil {
		return nil, counts, fmt.Errorf("CreateContainerView: %w", err)
	}
	defer v.Destroy(ctx)

	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"},
		[]string{"name", "runtime.powerState"}, &vms); err != nil {
		return nil, counts, fmt.Errorf("retrieving VMs: %w", err)
	}
	var hosts []mo.HostSystem
	if err := v.Retrieve(ctx, []string{"HostSystem"},
		[]string{"name", "runtime.powerState", "runtime.connectionState"}, &hosts); err != nil {
		return nil, counts, fmt.Errorf("retrieving hosts: %w", err)
	}

	var out []*entity
	for i := range vms {
		if vms[i].Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
			out = append(out, &entity{ref: vms[i].Reference(), kind: kindVM})
			counts[kindVM]++
		}
	}
	for i := range hosts {
		r := hosts[i].Runtime
		if r.PowerState == types.HostSystemPowerStatePoweredOn &&
			r.ConnectionState == types.HostSystemConnectionStateConnected {
			out = append(out, &entity{ref: hosts[i].Reference(), kind: kindHost})
			counts[kindHost]++
		}
	}
	logf("inventory: %d of %d VMs powered on, %d of %d hosts powered on and connected",
		counts[kindVM], len(vms), counts[kindHost], len(hosts))
	return out, counts, nil
}

// batches splits the entities into groups of at most size, one kind each.
func batches(ents []*entity, size int) [][]*entity {
	var out [][]*entity
	for k := kind(0); k < numKinds; k++ {
		var cur []*entity
		for _, e := range ents {
			if e.kind != k {
				continue
			}
			cur = append(cur, e)
			if len(cur) == size {
				out = append(out, cur)
				cur = nil
			}
		}
		if len(cur) > 0 {
			out = append(out, cur)
		}
	}
	return out
}

func queryBatch(ctx context.Context, pm *performance.Manager, batch []*entity,
	ids [numKinds][]types.PerfMetricId, st *roundStats) error {
	k := batch[0].kind
	byRef := make(map[types.ManagedObjectReference]*entity, len(batch))
	specs := make([]types.PerfQuerySpec, 0, len(batch))
	for _, e := range batch {
		byRef[e.ref] = e
		spec := types.PerfQuerySpec{
			Entity:     e.ref,
			MetricId:   ids[k],
			IntervalId: realtimeInterval,
			Format:     string(types.PerfFormatNormal),
			MaxSample:  1,
		}
		if !e.last.IsZero() {
			t := e.last
			spec.StartTime = &t
			spec.MaxSample = maxSamples
		}
		specs = append(specs, spec)
	}

	atomic.AddInt64(&st.requests, 1)
	res, err := pm.Query(ctx, specs)
	if err != nil {
		return fmt.Errorf("QueryPerf for %d %s objects: %w", len(batch), kindNames[k], err)
	}
	metrics, err := pm.ToMetricSeries(ctx, res)
	if err != nil {
		return fmt.Errorf("ToMetricSeries: %w", err)
	}

	var values, newValues, series int64
	for i := range metrics {
		em := &metrics[i]
		e := byRef[em.Entity]
		if e == nil {
			continue // not asked for
		}
		newest := e.last
		for j := range em.Value {
			s := &em.Value[j]
			series++
			for n, v := range s.Value {
				if v < 0 {
					continue // -1: no data
				}
				values++
				if n < len(em.SampleInfo) {
					ts := em.SampleInfo[n].Timestamp
					if e.last.IsZero() || ts.After(e.last) {
						newValues++
						if ts.After(newest) {
							newest = ts
						}
					}
				}
			}
		}
		e.last = newest
	}
	atomic.AddInt64(&st.values, values)
	atomic.AddInt64(&st.newValues, newValues)
	atomic.AddInt64(&st.series, series)
	return nil
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func round(ctx context.Context, pm *performance.Manager, bs [][]*entity,
	ids [numKinds][]types.PerfMetricId, concurrency int) (roundStats, error) {
	var st roundStats
	work := make(chan []*entity)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if err := queryBatch(ctx, pm, b, ids, &st); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, b := range bs {
		work <- b
	}
	close(work)
	wg.Wait()
	return st, firstErr
}

func run() error {
	urlFlag := flag.String("url", "", "vCenter SDK URL, e.g. http://127.0.0.1:8989/sdk")
	urlFile := flag.String("url-file", "", "read the SDK URL from this file (instead of -url)")
	user := flag.String("user", "", "user name (default: from the URL)")
	password := flag.String("password", "", "password (default: from the URL)")
	insecure := flag.Bool("insecure", true, "do not verify the server's TLS certificate")
	rounds := flag.Int("rounds", 3, "collection rounds")
	interval := flag.Duration("interval", 0, "pause between rounds")
	concurrency := flag.Int("concurrency", 1, "QueryPerf calls in flight")
	batchSize := flag.Int("batch", 64, "entities per QueryPerf call")
	instances := flag.Bool("instances", true, `ask for instance "*" (else "": aggregates only)`)
	metricsFile := flag.String("metrics-file", defaultMetricsFile,
		"metric list: one <kind>.<group>.<name>.<rollup> per line, or a C file with vs_default_metrics[]")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the collection rounds to this file")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", flag.Args())
	}
	if *rounds < 1 || *concurrency < 1 || *batchSize < 1 {
		return errors.New("-rounds, -concurrency and -batch must be at least 1")
	}

	raw := *urlFlag
	if *urlFile != "" {
		b, err := os.ReadFile(*urlFile)
		if err != nil {
			return err
		}
		raw = strings.TrimSpace(string(b))
	}
	if raw == "" {
		return errors.New("-url (or -url-file) is required")
	}
	u, err := soap.ParseURL(raw)
	if err != nil {
		return fmt.Errorf("bad URL %q: %w", raw, err)
	}
	if *user != "" || *password != "" {
		name, pass := *user, *password
		if u.User != nil {
			if name == "" {
				name = u.User.Username()
			}
			if p, ok := u.User.Password(); ok && pass == "" {
				pass = p
			}
		}
		u.User = url.UserPassword(name, pass)
	}

	list, err := readMetrics(metricsPath(*metricsFile))
	if err != nil {
		return err
	}
	instance := ""
	if *instances {
		instance = "*"
	}

	ctx := context.Background()
	c, err := govmomi.NewClient(ctx, u, *insecure) // logs in
	if err != nil {
		return fmt.Errorf("login to %s: %w", u.Redacted(), err)
	}
	// net/http keeps only 2 idle connections per host by default: with
	// more calls in flight, connections would be churned every round.
	if t := c.Client.DefaultTransport(); t != nil && t.MaxIdleConnsPerHost < *concurrency {
		t.MaxIdleConnsPerHost = *concurrency
	}
	err = collect(ctx, c, list, instance, *rounds, *interval, *concurrency, *batchSize, *cpuProfile)
	if lerr := c.Logout(ctx); lerr != nil && err == nil {
		err = fmt.Errorf("logout: %w", lerr)
	}
	return err
}

func collect(ctx context.Context, c *govmomi.Client, list []string, instance string,
	rounds int, interval time.Duration, concurrency, batchSize int, cpuProfile string) error {
	ents, counts, err := discover(ctx, c)
	if err != nil {
		return err
	}
	pm := performance.NewManager(c.Client)
	catalog, err := pm.CounterInfoByName(ctx)
	if err != nil {
		return fmt.Errorf("reading the counter catalog: %w", err)
	}
	ids, err := selectCounters(list, catalog, instance)
	if err != nil {
		return err
	}
	logf("counters: %d of %d listed are in the catalog (%d catalog entries): %d vm, %d host; instance %q",
		len(ids[kindVM])+len(ids[kindHost]), len(list), len(catalog),
		len(ids[kindVM]), len(ids[kindHost]), instance)
	// A kind with no counters is not queried at all.
	var queried []*entity
	for _, e := range ents {
		if len(ids[e.kind]) > 0 {
			queried = append(queried, e)
		}
	}
	bs := batches(queried, batchSize)
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	enc := json.NewEncoder(os.Stdout)
	for i := 1; i <= rounds; i++ {
		if i > 1 && interval > 0 {
			time.Sleep(interval)
		}
		cpu0, t0 := cpuSeconds(), time.Now()
		st, err := round(ctx, pm, bs, ids, concurrency)
		wall, cpu := time.Since(t0).Seconds(), cpuSeconds()-cpu0
		if err != nil {
			return fmt.Errorf("round %d: %w", i, err)
		}
		line := struct {
			Round     int     `json:"round"`
			WallS     float64 `json:"wall_s"`
			CPUS      float64 `json:"cpu_s"`
			Values    int64   `json:"values"`
			NewValues int64   `json:"new_values"`
			Series    int64   `json:"series"`
			Requests  int64   `json:"requests"`
			Entities  int     `json:"entities"`
			VMs       int     `json:"vms"`
			Hosts     int     `json:"hosts"`
		}{i, round3(wall), round3(cpu), st.values, st.newValues, st.series,
			st.requests, len(queried), counts[kindVM], counts[kindHost]}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

func main() {
	if err := run(); err != nil {
		logf("%v", err)
		os.Exit(1)
	}
}
