package rc_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	rc "github.com/kata-go/concurrency/exercises/02_rc"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Task 1: New, Value, Clone, StrongCount, PtrEq.

func TestRc_ClonesSeeTheSameValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// The seed's rc1.rs: rs1 := Rc::new(s); rs2 := rs1.clone().
		s := fmt.Sprintf("hello dolly %d", harness.Rand(t).IntN(1000))
		rs1 := newRc(t, s)
		assert.Equal(t, s, rs1.Value(), "New(%q).Value()", s)
		rs2 := clone(t, rs1)
		assert.Equal(t, s, rs2.Value(), "Clone().Value()")
		assert.Equal(t, s, rs1.Value(), "the original's Value() after Clone()")
	})
}

func TestRc_CloneAddsOneToTheCount(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(6) + 2
		first := newRc(t, 42)
		assert.Equal(t, 1, first.StrongCount(), "New(42).StrongCount()")

		handles := []*rc.Rc[int]{first}
		for i := 1; i < n; i++ {
			// Clone from the newest handle: a clone of a clone shares the same box too.
			c := clone(t, handles[len(handles)-1])
			handles = append(handles, c)
			for j, h := range handles {
				assert.Equal(t, i+1, h.StrongCount(), "after %d Clone() calls, StrongCount() of handle %d = %d, want %d: every handle counts the handles on one shared box", i, j, h.StrongCount(), i+1)
			}
		}
	})
}

func TestPtrEq_TrueOnlyForTheSameBox(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		a := newRc(t, "hello")
		b := newRc(t, "hello")
		a2 := clone(t, a)
		a3 := clone(t, a2)

		assert.True(t, rc.PtrEq(a, a), "PtrEq(a, a) = false, want true")
		assert.True(t, rc.PtrEq(a, a2), "PtrEq(a, a.Clone()) = false, want true: a clone is a handle onto the same box")
		assert.True(t, rc.PtrEq(a3, a), "PtrEq(a.Clone().Clone(), a) = false, want true")
		assert.False(t, rc.PtrEq(a, b), `PtrEq(New("hello"), New("hello")) = true, want false: equal values in two boxes are two boxes`)
		assert.False(t, rc.PtrEq(b, a2), `PtrEq(b, a.Clone()) = true, want false`)
	})
}

// Task 2: Drop and the drop hook.

func TestRc_DropTakesOneFromTheCount(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(5) + 3
		handles := clones(t, newRc(t, "shared"), n)
		for i := 0; i < n-1; i++ {
			handles[i].Drop()
			live := handles[n-1]
			assert.Equal(t, n-1-i, live.StrongCount(), "%d handles, %d dropped: StrongCount() of a live handle = %d, want %d", n, i+1, live.StrongCount(), n-1-i)
			assert.Equal(t, "shared", live.Value(), "Value() of a live handle after another handle's Drop()")
		}
	})
}

func TestRc_StrongCountIsZeroOnceAllAreDropped(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(5) + 2
		handles := clones(t, newRc(t, 3.5), n)
		for _, h := range handles {
			h.Drop()
		}
		for i, h := range handles {
			assert.Equal(t, 0, h.StrongCount(), "all %d handles dropped: StrongCount() of handle %d = %d, want 0", n, i, h.StrongCount())
		}

		single := newRc(t, 1)
		single.Drop()
		assert.Equal(t, 0, single.StrongCount(), "New(1) then Drop(): StrongCount() = %d, want 0", single.StrongCount())
	})
}

func TestRc_DropHookRunsOnceAtTheLastDrop(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n := r.IntN(5) + 2
		v := r.IntN(1000) + 1
		var dropped []int
		handles := clones(t, newRcWithDrop(t, v, func(x int) { dropped = append(dropped, x) }), n)

		order := r.Perm(n) // the last handle dropped may be any of them, the first one included
		for i, k := range order[:n-1] {
			handles[k].Drop()
			assert.Empty(t, dropped, "%d of %d handles dropped: the drop hook ran %d times, want 0 (it runs only when the last live handle is dropped)", i+1, n, len(dropped))
		}
		handles[order[n-1]].Drop()
		assert.Equal(t, []int{v}, dropped, "after the last of %d handles is dropped: the drop hook should have run exactly once, with the value %d", n, v)

		for _, h := range handles {
			h.Drop()
		}
		assert.Len(t, dropped, 1, "Drop() again on every dropped handle: the drop hook ran %d times in all, want exactly 1", len(dropped))
	})
}

func TestRc_DropIsIdempotentPerHandle(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		hooks := 0
		a := newRcWithDrop(t, "file", func(string) { hooks++ })
		b := clone(t, a)

		a.Drop()
		a.Drop() // must not take b's share
		assert.Equal(t, 1, b.StrongCount(), "a.Drop() twice while b is live: b.StrongCount() = %d, want 1 (Drop is idempotent per handle)", b.StrongCount())
		assert.Equal(t, 0, hooks, "a.Drop() twice while b is live: the drop hook ran %d times, want 0: b still holds the value", hooks)
		assert.Equal(t, "file", b.Value(), "b.Value() after a was dropped twice")

		b.Drop()
		assert.Equal(t, 1, hooks, "b.Drop(), the last live handle: the drop hook ran %d times, want 1", hooks)
		b.Drop()
		a.Drop()
		assert.Equal(t, 1, hooks, "more Drop() calls on dropped handles: the drop hook ran %d times, want 1", hooks)
		assert.Equal(t, 0, a.StrongCount(), "StrongCount() once every handle is dropped, however often")
	})
}

func TestRc_DropTwiceWithClonesInBetween(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		v := fmt.Sprintf("connection %d", harness.Rand(t).IntN(1000))
		var dropped []string
		a := newRcWithDrop(t, v, func(s string) { dropped = append(dropped, s) })
		b := clone(t, a)

		a.Drop()
		c := clone(t, b) // a handle made after a was dropped...
		a.Drop()         // ...must keep its share when a is dropped again
		assert.Equal(t, 2, b.StrongCount(), "a.Drop(); c := b.Clone(); a.Drop() again: b.StrongCount() = %d, want 2 (b and c are live)", b.StrongCount())
		assert.Equal(t, 2, c.StrongCount(), "a.Drop(); c := b.Clone(); a.Drop() again: c.StrongCount() = %d, want 2 (b and c are live)", c.StrongCount())

		c.Drop()
		d := clone(t, b)
		c.Drop()
		a.Drop()
		assert.Equal(t, 2, d.StrongCount(), "c.Drop(); d := b.Clone(); c.Drop() and a.Drop() again: d.StrongCount() = %d, want 2 (b and d are live)", d.StrongCount())
		assert.Empty(t, dropped, "b and d are live: the drop hook ran %d times, want 0", len(dropped))
		assert.Equal(t, v, d.Value(), "d.Value() after the other handles were dropped twice")

		b.Drop()
		assert.Equal(t, 1, d.StrongCount(), "b.Drop() with d live: StrongCount() = %d, want 1", d.StrongCount())
		assert.Empty(t, dropped, "d is live: the drop hook ran %d times, want 0", len(dropped))
		d.Drop()
		assert.Equal(t, []string{v}, dropped, "d.Drop(), the last live handle: the drop hook should have run once, with %q", v)
		for _, h := range []*rc.Rc[string]{a, b, c, d} {
			h.Drop()
		}
		assert.Len(t, dropped, 1, "Drop() again on every dropped handle: the drop hook ran %d times in all, want 1", len(dropped))
		assert.Equal(t, 0, d.StrongCount(), "StrongCount() once every handle is dropped")
	})
}

func TestRc_DroppedHandlePanicsOnUse(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		a := newRc(t, []string{"hello", "dolly"})
		b := clone(t, a)

		a.Drop() // b still keeps the box alive: using a is still wrong
		assert.Panics(t, func() { a.Value() }, "Value() on a dropped handle should panic, even while another handle is live")
		assert.Panics(t, func() { a.Clone() }, "Clone() on a dropped handle should panic, even while another handle is live")
		assert.Equal(t, 1, b.StrongCount(), "b.StrongCount() after a's Drop() and the failed Clone() on a: a failed Clone must not count")

		b.Drop()
		assert.Panics(t, func() { b.Value() }, "Value() once every handle is dropped should panic")
		assert.Panics(t, func() { b.Clone() }, "Clone() once every handle is dropped should panic")
		assert.Equal(t, 0, b.StrongCount(), "StrongCount() once every handle is dropped")
	})
}

func TestRc_NewHasNoHook(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		a := newRc(t, 7)
		b := clone(t, a)
		assert.NotPanics(t, func() { a.Drop(); b.Drop() }, "dropping every handle of New(7), which has no drop hook")
		assert.Equal(t, 0, a.StrongCount(), "StrongCount() once every handle of New(7) is dropped")

		c := rc.NewWithDrop(7, nil /* hook */)
		require.NotNil(t, c, "NewWithDrop(7, nil) returned nil")
		assert.NotPanics(t, c.Drop, "Drop() of NewWithDrop(7, nil): a nil hook means no hook")
		assert.Equal(t, 0, c.StrongCount(), "StrongCount() once NewWithDrop(7, nil) is dropped")
	})
}

// Task 3: players share their roles.

func TestPlayer_RolesInTheOrderAdded(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		names := []string{"captain", "striker", "keeper", "coach", "medic", "scout"}
		r := harness.Rand(t)
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		names = names[:r.IntN(len(names)-1)+2]
		if slices.IsSorted(names) { // in sorted order, a Roles that sorts would pass by chance
			names[0], names[1] = names[1], names[0]
		}

		p := newPlayer(t, "Alice", 10)
		for _, name := range names {
			role := newRc(t, rc.Role{Name: name})
			p.AddRole(role)
			role.Drop() // the player keeps its own clone
		}
		assert.Equal(t, names, p.Roles(), "Roles() after AddRole of %q, each handle dropped by the caller afterwards", names)
	})
}

func TestPlayer_AddRoleKeepsItsOwnClone(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		var dropped []rc.Role
		captain := newRcWithDrop(t, rc.Role{Name: "captain"}, func(r rc.Role) { dropped = append(dropped, r) })
		alice := newPlayer(t, "Alice", 10)
		bob := newPlayer(t, "Bob", 8)

		alice.AddRole(captain)
		assert.Equal(t, 2, captain.StrongCount(), "after alice.AddRole(captain): StrongCount() = %d, want 2 (the caller's handle and alice's clone)", captain.StrongCount())
		bob.AddRole(captain)
		assert.Equal(t, 3, captain.StrongCount(), "after bob.AddRole(captain) too: StrongCount() = %d, want 3", captain.StrongCount())

		keep := clone(t, captain) // the test's own window onto the count
		captain.Drop()
		assert.Equal(t, 3, keep.StrongCount(), "the caller dropped its handle: StrongCount() = %d, want 3 (alice's, bob's and the test's)", keep.StrongCount())
		assert.Equal(t, []string{"captain"}, alice.Roles(), "alice.Roles() after the caller dropped its own handle: alice keeps her clone")

		alice.DropRoles()
		assert.Equal(t, 2, keep.StrongCount(), "after alice.DropRoles(): StrongCount() = %d, want 2", keep.StrongCount())
		assert.Empty(t, alice.Roles(), "alice.Roles() after alice.DropRoles()")
		assert.Equal(t, []string{"captain"}, bob.Roles(), "bob.Roles() after alice.DropRoles(): bob's clone is his own")
		keep.Drop()
		assert.Empty(t, dropped, "bob still holds the role: the drop hook ran %d times, want 0", len(dropped))

		bob.DropRoles()
		assert.Equal(t, []rc.Role{{Name: "captain"}}, dropped, "bob.DropRoles() dropped the last handle: the drop hook should have run once with the role")
		assert.Equal(t, 0, keep.StrongCount(), "StrongCount() once alice, bob and the caller have all dropped the role")
	})
}

func TestPlayer_DropRolesDropsEveryHandle(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		names := []string{"captain", "striker", "keeper"}
		hooks := map[string]int{}
		p := newPlayer(t, "Carol", 5)
		var handles []*rc.Rc[rc.Role]
		for _, name := range names {
			role := newRcWithDrop(t, rc.Role{Name: name}, func(r rc.Role) { hooks[r.Name]++ })
			p.AddRole(role)
			handles = append(handles, role)
		}
		for _, h := range handles {
			h.Drop() // now the player holds the only handles
		}
		assert.Empty(t, hooks, "the player still holds every role: drop hooks ran %v, want none", hooks)

		p.DropRoles()
		assert.Equal(t, map[string]int{"captain": 1, "striker": 1, "keeper": 1}, hooks, "DropRoles() on the player holding the last handles: every role's drop hook should run once")
		assert.Empty(t, p.Roles(), "Roles() after DropRoles()")
		p.DropRoles()
		assert.Equal(t, map[string]int{"captain": 1, "striker": 1, "keeper": 1}, hooks, "a second DropRoles() must not drop anything again")
	})
}

// Task 4: a team shares its players.

func TestPlayer_MakeStrongerAddsOne(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := harness.Rand(t).IntN(100)
		p := newPlayer(t, "Dave", s)
		assert.Equal(t, "Dave", p.Name, "NewPlayer(%q, %d).Name", "Dave", s)
		assert.Equal(t, s, p.Strength, "NewPlayer(%q, %d).Strength", "Dave", s)
		assert.Empty(t, p.Roles(), "a new player has no roles")
		p.MakeStronger()
		p.MakeStronger()
		assert.Equal(t, s+2, p.Strength, "NewPlayer(%q, %d) after MakeStronger() twice: Strength = %d, want %d", "Dave", s, p.Strength, s+2)
	})
}

func TestPlayer_RallyTeamStrengthensTheSharedPlayers(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		names := []string{"Ann", "Ben", "Cid", "Dot"}
		start := map[string]int{}
		players := map[string]*rc.Player{}
		for _, name := range names {
			start[name] = r.IntN(50)
			players[name] = newPlayer(t, name, start[name])
		}
		lead := newPlayer(t, "Lead", 0)
		ann, ben, cid, dot := players["Ann"], players["Ben"], players["Cid"], players["Dot"]

		lead.JoinTeam(ann, ben)
		lead.JoinTeam(cid) // a second call adds to the team
		lead.RallyTeam()
		for _, name := range []string{"Ann", "Ben", "Cid"} {
			assert.Equal(t, start[name]+1, players[name].Strength, "lead.JoinTeam(Ann, Ben); lead.JoinTeam(Cid); lead.RallyTeam(): %s.Strength = %d, want %d: the team must hold the very *Player values you joined, not copies", name, players[name].Strength, start[name]+1)
		}
		assert.Equal(t, start["Dot"], dot.Strength, "Dot is on no team: RallyTeam() changed her Strength")
		assert.Equal(t, 0, lead.Strength, "RallyTeam() makes the teammates stronger, not the player itself")

		// Ann is on a second team. Both teams hold the same Ann.
		other := newPlayer(t, "Other", 0)
		other.JoinTeam(ann, dot)
		other.RallyTeam()
		assert.Equal(t, start["Ann"]+2, ann.Strength, "Ann on two teams, each rallied once: Strength = %d, want %d", ann.Strength, start["Ann"]+2)
		assert.Equal(t, start["Dot"]+1, dot.Strength, "other.JoinTeam(Ann, Dot); other.RallyTeam(): Dot.Strength")
	})
}

func TestPlayer_JoinTeamSharesNeverCopies(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := harness.Rand(t).IntN(50)
		ann := newPlayer(t, "Ann", s)
		lead := newPlayer(t, "Lead", 0)

		lead.JoinTeam(ann)
		ann.MakeStronger()         // a change made after joining...
		ann.Name = "Ann the Great" // ...of any field...
		lead.RallyTeam()           // ...is what the team works on
		assert.Equal(t, s+2, ann.Strength, "lead.JoinTeam(ann); ann.MakeStronger(); lead.RallyTeam(): ann.Strength = %d, want %d: JoinTeam must keep the *Player itself, not a copy taken when she joined", ann.Strength, s+2)

		mates := []*rc.Player{newPlayer(t, "Ben", 1), newPlayer(t, "Cid", 2)}
		team := newPlayer(t, "Team", 0)
		ben, cid := mates[0], mates[1]
		team.JoinTeam(mates...)
		mates[0] = newPlayer(t, "Zed", 100) // the caller reuses its slice
		team.RallyTeam()
		assert.Equal(t, 2, ben.Strength, "team.JoinTeam(mates...) with Ben and Cid, then the caller put Zed in mates[0], then team.RallyTeam(): Ben.Strength = %d, want 2: the team holds the players joined, not the caller's slice", ben.Strength)
		assert.Equal(t, 100, mates[0].Strength, "Zed never joined the team, yet RallyTeam() changed him: copy mates into the team, do not keep the caller's slice")
		assert.Equal(t, 3, cid.Strength, "team.JoinTeam(Ben, Cid); team.RallyTeam(): Cid.Strength")
	})
}

func TestPlayer_JoinTeamDoesNotJoinBack(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		p := harness.Rand(t).Perm(50)
		ls, as := p[0], p[1]
		lead := newPlayer(t, "Lead", ls)
		ann := newPlayer(t, "Ann", as)

		lead.JoinTeam(ann)
		ann.RallyTeam() // Ann is on Lead's team; her own team is still empty
		assert.Equal(t, ls, lead.Strength, "lead.JoinTeam(ann); ann.RallyTeam(): lead.Strength = %d, want %d: JoinTeam does not add lead to ann's own team", lead.Strength, ls)
		assert.Equal(t, as, ann.Strength, "lead.JoinTeam(ann); ann.RallyTeam(): ann.Strength = %d, want %d: ann's team is empty", ann.Strength, as)

		lead.RallyTeam()
		assert.Equal(t, as+1, ann.Strength, "lead.JoinTeam(ann); lead.RallyTeam(): ann.Strength")
		assert.Equal(t, ls, lead.Strength, "lead.RallyTeam() changed lead's own Strength")
	})
}

func TestPlayer_RallyTeamStrengthensOnlyItsOwnTeam(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		p := harness.Rand(t).Perm(50)
		as, bs := p[0], p[1]
		lead := newPlayer(t, "Lead", 0)
		ann := newPlayer(t, "Ann", as)
		ben := newPlayer(t, "Ben", bs)

		lead.JoinTeam(ann)
		ann.JoinTeam(ben) // Ben is on Ann's team, not on Lead's
		lead.RallyTeam()
		assert.Equal(t, as+1, ann.Strength, "lead.JoinTeam(ann); lead.RallyTeam(): ann.Strength")
		assert.Equal(t, bs, ben.Strength, "lead.JoinTeam(ann); ann.JoinTeam(ben); lead.RallyTeam(): ben.Strength = %d, want %d: ben is on ann's team, not on lead's", ben.Strength, bs)

		lead.RallyTeam()
		assert.Equal(t, as+2, ann.Strength, "lead.RallyTeam() twice: ann.Strength = %d, want %d (once per call)", ann.Strength, as+2)
		ann.RallyTeam()
		assert.Equal(t, bs+1, ben.Strength, "ann.RallyTeam(): ben.Strength")
		assert.Equal(t, as+2, ann.Strength, "ann.RallyTeam() changed ann's own Strength")
		assert.Equal(t, 0, lead.Strength, "nobody's team holds lead, yet lead.Strength changed")
	})
}

// Helpers.

// clones returns first and n-1 clones of it, all live.
func clones[T any](t *testing.T, first *rc.Rc[T], n int) []*rc.Rc[T] {
	t.Helper()
	hs := []*rc.Rc[T]{first}
	for len(hs) < n {
		hs = append(hs, clone(t, first))
	}
	return hs
}

// newRc calls rc.New(v) and stops the test when it returns nil.
func newRc[T any](t *testing.T, v T) *rc.Rc[T] {
	t.Helper()
	h := rc.New(v)
	require.NotNil(t, h, "New(%#v) returned nil", v)
	return h
}

// newRcWithDrop calls rc.NewWithDrop(v, hook) and stops the test when it returns nil.
func newRcWithDrop[T any](t *testing.T, v T, hook func(T)) *rc.Rc[T] {
	t.Helper()
	h := rc.NewWithDrop(v, hook)
	require.NotNil(t, h, "NewWithDrop(%#v, hook) returned nil", v)
	return h
}

// clone calls h.Clone() and stops the test when it returns nil.
func clone[T any](t *testing.T, h *rc.Rc[T]) *rc.Rc[T] {
	t.Helper()
	c := h.Clone()
	require.NotNil(t, c, "Clone() returned nil")
	return c
}

// newPlayer calls rc.NewPlayer(name, strength) and stops the test when it returns nil.
func newPlayer(t *testing.T, name string, strength int) *rc.Player {
	t.Helper()
	p := rc.NewPlayer(name, strength)
	require.NotNil(t, p, "NewPlayer(%q, %d) returned nil", name, strength)
	return p
}
