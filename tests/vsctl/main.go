// SPDX-License-Identifier: MIT

// vsctl: tiny vSphere CLI for collectd-vsphere tests (govmomi, GOPATH mode).
//
//	vsctl -url URL [-user U -password P] [-insecure] [-ca-file F] COMMAND
//
// Commands:
//
//	sessions        number of live sessions, excluding vsctl's own
//	terminate       terminate all sessions except vsctl's own; prints count
//	inventory       "vm NAME POWERSTATE" and "host NAME" lines, sorted
//	poweroff NAME   power off the VM called NAME
//	poweron NAME    power on the VM called NAME
//
// More commands (extra.go). NAME-OR-MOREF is a moref (vm-N, host-N,
// domain-cN, datacenter-N, group-xN, datastore-N, resgroup-N, or vcsim's
// clustercomputeresource-N, computeresource-N, folder-N) or a name, given
// raw or as stored (escaped); a name held by several entities is an error.
//
//	rename NAME-OR-MOREF NEWNAME   Rename_Task; NEWNAME is stored escaped as
//	                vCenter does ('%' -> %25, '/' -> %2f, '\' -> %5c)
//	destroy NAME-OR-MOREF          Destroy_Task (a VM is powered off first)
//	moref NAME      "MOREF TYPE" of every entity called NAME (raw or escaped)
//	snapshot-create NAME-OR-MOREF SNAPNAME, snapshot-remove-all NAME-OR-MOREF
//	field-add NAME  a custom attribute (every type); prints its key
//	field-rename NAME NEWNAME
//	field-set NAME-OR-MOREF FIELD VALUE   a custom attribute value ("" unsets)
//	maintenance enter|exit HOSTNAME-OR-MOREF
//	folder-create PARENT-FOLDER-PATH-OR-MOREF NAME   prints the new moref
//	move NAME-OR-MOREF FOLDER-PATH-OR-MOREF          MoveIntoFolder_Task
//	                (vcsim does not check names there: duplicates in one
//	                datacenter)
//	inventory-full  one tab-separated line per vm, host, cluster, pool,
//	                datastore and datacenter, sorted:
//	                kind moref name power connection host cluster datacenter
//	                path extra (extra: "maintenance" for a host in
//	                maintenance mode, "snapshots=N" for a VM with snapshots;
//	                fields that do not apply are empty)
//	queryperf [-counters 2,6] [-instance '*'] [-interval 20] [-max 3]
//	          [-since S] NAME-OR-MOREF...
//	                raw QueryPerf: "entity MOREF TYPE samples=N" and
//	                "value MOREF COUNTER INSTANCE TIMESTAMP VALUE" lines, or
//	                "fault TYPE [OBJTYPE:MOREF]" (still exit status 0)
//
// Tag commands (tags.go): tag-category-create, tag-create, tag-attach,
// tag-detach, tag-delete, tag-list.
//
// Event commands (events.go): events-read [-begin T] [-type IDS] [-latest]
// [MAXCOUNT] reads every event through an event history collector.
//
// Alarm commands (alarms.go): alarms, alarm-name ALARM..., alarm-watch
// NAME-OR-MOREF N, alarm-ack NAME-OR-MOREF ALARM, alarm-state NAME-OR-MOREF,
// alarm-list.
//
// vsctl always logs out its own session before exiting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sort"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: vsctl -url URL [-user U] [-password P] [-insecure] [-ca-file F] sessions|terminate|inventory|poweroff NAME|poweron NAME|"+
		"rename X NEW|destroy X|vm-create NAME HOST|moref NAME|snapshot-create X SNAP|snapshot-remove-all X|field-add NAME|field-rename NAME NEW|field-set X FIELD VALUE|maintenance enter|exit HOST|"+
		"folder-create PARENT NAME|move X FOLDER|inventory-full|queryperf [opts] X...|"+
		"tag-category-create NAME [TYPE...]|tag-create CAT NAME|tag-attach CAT TAG X...|tag-detach CAT TAG X...|tag-delete CAT TAG|tag-list X|"+
		"events-read [-begin T] [-type IDS] [-latest] [MAXCOUNT]|"+
		"alarms|alarm-name ALARM...|alarm-watch X N|alarm-ack X ALARM|alarm-state X|alarm-list")
	flag.PrintDefaults()
	os.Exit(2)
}

func main() {
	rawURL := flag.String("url", "", "SDK URL, e.g. http://127.0.0.1:PORT/sdk")
	user := flag.String("user", "user", "user name")
	password := flag.String("password", "pass", "password")
	insecure := flag.Bool("insecure", false, "skip TLS certificate verification")
	caFile := flag.String("ca-file", "", "PEM CA file to verify the server certificate")
	timeout := flag.Duration("timeout", 60*time.Second, "overall timeout")
	flag.Usage = usage
	flag.Parse()
	args := flag.Args()
	if *rawURL == "" || len(args) == 0 {
		usage()
	}
	u, err := url.Parse(*rawURL)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vsctl: bad -url: %v\n", err)
		os.Exit(2)
	}

	restUser = url.UserPassword(*user, *password)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	sc := soap.NewClient(u, *insecure)
	if *caFile != "" {
		if err = sc.SetRootCAs(*caFile); err != nil {
			fmt.Fprintf(os.Stderr, "vsctl: %v\n", err)
			os.Exit(1)
		}
	}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vsctl: connect: %v\n", err)
		os.Exit(1)
	}
	sm := session.NewManager(c)
	if err = sm.Login(ctx, url.UserPassword(*user, *password)); err != nil {
		fmt.Fprintf(os.Stderr, "vsctl: login: %v\n", err)
		os.Exit(3)
	}

	err = run(ctx, c, sm, args)
	if lerr := sm.Logout(context.Background()); lerr != nil {
		fmt.Fprintf(os.Stderr, "vsctl: logout: %v\n", lerr)
		if err == nil {
			err = lerr
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vsctl: %v\n", err)
		os.Exit(1)
	}
}

// otherSessions returns the keys of all sessions except our own.
func otherSessions(ctx context.Context, c *vim25.Client) ([]string, error) {
	var m mo.SessionManager
	pc := property.DefaultCollector(c)
	err := pc.RetrieveOne(ctx, *c.ServiceContent.SessionManager, []string{"sessionList", "currentSession"}, &m)
	if err != nil {
		return nil, err
	}
	if m.CurrentSession == nil {
		return nil, errors.New("no current session")
	}
	var keys []string
	for _, s := range m.SessionList {
		if s.Key != m.CurrentSession.Key {
			keys = append(keys, s.Key)
		}
	}
	return keys, nil
}

func findVM(ctx context.Context, c *vim25.Client, name string) (*object.VirtualMachine, error) {
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
	if err != nil {
		return nil, err
	}
	defer v.Destroy(ctx)
	refs, err := v.Find(ctx, []string{"VirtualMachine"}, property.Filter{"name": name})
	if err != nil {
		return nil, err
	}
	if len(refs) != 1 {
		return nil, fmt.Errorf("found %d VMs named %q", len(refs), name)
	}
	return object.NewVirtualMachine(c, refs[0]), nil
}

func run(ctx context.Context, c *vim25.Client, sm *session.Manager, args []string) error {
	switch args[0] {
	case "sessions":
		keys, err := otherSessions(ctx, c)
		if err != nil {
			return err
		}
		fmt.Println(len(keys))
	case "terminate":
		keys, err := otherSessions(ctx, c)
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err = sm.TerminateSession(ctx, keys); err != nil {
				return err
			}
		}
		fmt.Println(len(keys))
	case "inventory":
		v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder,
			[]string{"VirtualMachine", "HostSystem"}, true)
		if err != nil {
			return err
		}
		defer v.Destroy(ctx)
		var vms []mo.VirtualMachine
		if err = v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name", "runtime.powerState"}, &vms); err != nil {
			return err
		}
		var hosts []mo.HostSystem
		if err = v.Retrieve(ctx, []string{"HostSystem"}, []string{"name"}, &hosts); err != nil {
			return err
		}
		var lines []string
		for _, vm := range vms {
			lines = append(lines, fmt.Sprintf("vm %s %s", vm.Name, vm.Runtime.PowerState))
		}
		for _, h := range hosts {
			lines = append(lines, "host "+h.Name)
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Println(l)
		}
	case "poweroff", "poweron":
		if len(args) != 2 {
			return fmt.Errorf("usage: %s NAME", args[0])
		}
		vm, err := findVM(ctx, c, args[1])
		if err != nil {
			return err
		}
		var task *object.Task
		if args[0] == "poweroff" {
			task, err = vm.PowerOff(ctx)
		} else {
			task, err = vm.PowerOn(ctx)
		}
		if err != nil {
			return err
		}
		return task.Wait(ctx)
	default:
		return runExtra(ctx, c, args)
	}
	return nil
}
