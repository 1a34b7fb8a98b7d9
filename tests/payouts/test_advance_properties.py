"""Property tests of advance recovery: never a negative net, the advance total conserved."""

from hypothesis import given
from hypothesis import strategies as st

from payouts.money import recover_advances

nets = st.integers(min_value=-(10**6), max_value=10**9)
advances = st.lists(st.integers(min_value=1, max_value=10**7), min_size=0, max_size=12)


@given(net=nets, outstanding=advances)
def test_recovery_never_makes_the_net_negative_nor_exceeds_an_advance(net, outstanding):
    taken = recover_advances(net, outstanding)
    assert len(taken) == len(outstanding)
    assert all(0 <= part <= left for part, left in zip(taken, outstanding, strict=True))
    assert max(net, 0) - sum(taken) >= 0
    # as much as possible is recovered: the net, or everything outstanding
    assert sum(taken) == min(max(net, 0), sum(outstanding))


@given(period_nets=st.lists(nets, min_size=1, max_size=24), amounts=advances)
def test_over_periods_recoveries_conserve_the_advances(period_nets, amounts):
    """Period after period, each recovering from what is still outstanding: nothing is
    recovered twice, no period goes negative, and recovered + outstanding = advanced."""
    outstanding = list(amounts)
    recovered = [0] * len(amounts)
    for net in period_nets:
        taken = recover_advances(net, outstanding)
        assert max(net, 0) - sum(taken) >= 0
        for i, part in enumerate(taken):
            recovered[i] += part
            outstanding[i] -= part
        # oldest first: an advance is touched only once every older one is cleared
        touched = [i for i, part in enumerate(taken) if part]
        if touched:
            assert all(outstanding[i] == 0 for i in range(touched[-1]))
    assert [r + o for r, o in zip(recovered, outstanding, strict=True)] == amounts
    assert all(o >= 0 for o in outstanding)
    assert sum(recovered) == min(sum(amounts), sum(max(net, 0) for net in period_nets))
