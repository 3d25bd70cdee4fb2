// SPDX-License-Identifier: MIT

// Events through govmomi's EventManager client, to check the test vcsim's
// event history collectors (tests/vcsim/events.go) from a real client:
//
//	events-read [-begin RFC3339] [-type ID,...] [-latest] [MAXCOUNT]
//	                CreateCollectorForEvents (no filter, or beginTime /
//	                eventTypeId), ReadNextEvents(MAXCOUNT, default 1000)
//	                until an empty answer, "KEY TYPE" per event (TYPE: the
//	                eventTypeId of an EventEx/ExtendedEvent, else the type
//	                name), then "pages N" (ReadNextEvents calls) and
//	                "total N"; -latest prints "latest KEY..." (the
//	                collector's latestPage) first. The collector is
//	                destroyed afterwards.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

func eventTypeName(ev types.BaseEvent) string {
	switch e := ev.(type) {
	case *types.EventEx:
		if e.EventTypeId != "" {
			return e.EventTypeId
		}
	case *types.ExtendedEvent:
		if e.EventTypeId != "" {
			return e.EventTypeId
		}
	}
	return reflect.TypeOf(ev).Elem().Name()
}

func eventsRead(ctx context.Context, c *vim25.Client, args []string) error {
	fs := flag.NewFlagSet("events-read", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	begin := fs.String("begin", "", "beginTime, RFC 3339")
	kinds := fs.String("type", "", "eventTypeId list, comma-separated")
	latest := fs.Bool("latest", false, "print the collector's latestPage first")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 1 {
		return errors.New("usage: events-read [-begin RFC3339] [-type ID,...] [-latest] [MAXCOUNT]")
	}
	maxCount := int64(1000)
	if fs.NArg() == 1 {
		n, err := strconv.ParseInt(fs.Arg(0), 10, 32)
		if err != nil || n < 1 {
			return fmt.Errorf("bad MAXCOUNT %q", fs.Arg(0))
		}
		maxCount = n
	}
	var filter types.EventFilterSpec
	if *begin != "" {
		t, err := time.Parse(time.RFC3339Nano, *begin)
		if err != nil {
			return fmt.Errorf("bad -begin: %v", err)
		}
		filter.Time = &types.EventFilterSpecByTime{BeginTime: &t}
	}
	if *kinds != "" {
		filter.EventTypeId = strings.Split(*kinds, ",")
	}
	coll, err := event.NewManager(c).CreateCollectorForEvents(ctx, filter)
	if err != nil {
		return err
	}
	if *latest {
		page, err := coll.LatestPage(ctx)
		if err != nil {
			return err
		}
		keys := []string{"latest"}
		for _, ev := range page {
			keys = append(keys, strconv.Itoa(int(ev.GetEvent().Key)))
		}
		fmt.Println(strings.Join(keys, " "))
	}
	total, pages := 0, 0
	for {
		page, err := coll.ReadNextEvents(ctx, int32(maxCount))
		pages++
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			fmt.Printf("%d %s\n", ev.GetEvent().Key, eventTypeName(ev))
		}
		total += len(page)
	}
	fmt.Printf("pages %d\ntotal %d\n", pages, total)
	return coll.Destroy(ctx)
}
