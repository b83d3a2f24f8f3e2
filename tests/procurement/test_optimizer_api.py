"""The aggregation endpoint reports the optimizer's proven bound and gap."""


def test_aggregation_reports_bound_and_gap(client, as_user):
    r = client.get(
        "/api/v1/procurement/aggregation",
        params={"on": "2026-03-01", "time_limit": 5},
        headers=as_user("observer"),
    )
    assert r.status_code == 200, r.text
    methods = {m["method"]: m for m in r.json()["methods"]}
    best = methods["optimizer"]
    assert best["bound_cents"] >= best["savings_cents"] >= methods["greedy"]["savings_cents"]
    assert 0 <= best["gap"] <= 1
    if best["exact"]:
        assert best["bound_cents"] == best["savings_cents"] and best["gap"] == 0
    assert methods["greedy"]["bound_cents"] is None and methods["national"]["gap"] is None
