"""``summary.md`` of one workflow (``WorkflowResult.summary_markdown``) written out line by line.

Hand-made results (no workflow run): the title, the balance headline, the status word, the key
figures with their labels, units and number formats, and the notes, in English and in bokmål, with
text from the data escaped.  Every expected line is written out here (the labels quoted from
``arealsirk/i18n/summary.py``, the numbers formatted by hand: ``12,346 t/yr`` / ``12 346 t/år`` with a
narrow no-break space, ``8.86`` / ``8,86``, ``99.3 %`` / ``99,3 %``).  Written to kill the mutants of
issue 16's mutation run (docs/mutation.md).
"""

from __future__ import annotations

from arealsirk.workflows import Message, WorkflowResult

S = "\u202f"  # bokmål thousands separator (narrow no-break space)


def _headline() -> Message:
    phrase = Message("balance.served_beyond_limit", limit="20 min, reuse.max_minutes")
    return Message("balance.people", share=0.25, q=1000.0, phrase=phrase)


def _full() -> WorkflowResult:
    head = _headline()
    note = Message("reuse.site", name="Sentrum <1>", id="R1", why="new", people=750.0, share=0.5,
                   minutes=12.5)
    return WorkflowResult(
        summary={
            "workflow": "biogas",
            "balance_headline": [head],
            "sites": 2,
            "feedstock_t": 12345.6,
            "energy_gwh": 8.864,
            "share_covered": 0.9934,
            "gap": 0.0,
            "zone | note": "a|b",  # a key without a label and a value from the data
            "x_count": 7,
        },
        status="feasible",
        messages=[head, note, "plain **note**"],
    )


def test_summary_markdown_in_english():
    expected = "\n".join(
        [
            "## Biogas plants",
            "",
            "**Where everyone and everything went**",
            "",
            "- 25% of the people (1,000) are served only beyond the limit of 20 min, reuse.max_minutes",
            "",
            "Status: **feasible (a good solution, optimality not proven)**",
            "",
            "| Key figure | Value |",
            "|---|---|",
            "| Sites selected | 2 |",
            "| Feedstock | 12,346 t/yr |",
            "| Energy | 8.86 GWh/yr |",
            "| Share within the cutoff | 99.3 % |",
            "| Optimality gap | 0 |",
            r"| zone \| note | a\|b |",
            "| x_count | 7 |",
            "",
            "**Notes**",
            "",
            "- Sentrum &lt;1&gt; (R1, new): serves 750 people, 50% of them within 12.5 min",
            r"- plain \*\*note\*\*",
        ]
    ) + "\n"
    result = _full()
    assert result.summary_markdown(lang="en") == expected
    assert result.summary_markdown() == expected


def test_summary_markdown_in_bokmal():
    expected = "\n".join(
        [
            "## Biogassanlegg",
            "",
            "**Hvor alle og alt havnet**",
            "",
            f"- 25 % av befolkningen (1{S}000 personer) nås bare utenfor grensen på 20 min, "
            "reuse.max_minutes",
            "",
            "Status: **god løsning (ikke bevist optimal)**",
            "",
            "| Nøkkeltall | Verdi |",
            "|---|---|",
            "| Valgte lokaliteter | 2 |",
            f"| Råstoff | 12{S}346 t/år |",
            "| Energi | 8,86 GWh/år |",
            "| Andel innenfor grensen | 99,3 % |",
            "| Optimalitetsgap | 0 |",
            r"| zone \| note | a\|b |",
            "| x_count | 7 |",
            "",
            "**Merknader**",
            "",
            "- Sentrum &lt;1&gt; (R1, new): betjener 750 personer, 50 % av dem innenfor 12,5 min",
            r"- plain \*\*note\*\*",
        ]
    ) + "\n"
    assert _full().summary_markdown(lang="nb") == expected


def test_no_workflow_and_an_unknown_status():
    """No ``workflow`` key: the title is the word 'workflow'; a status without a label is shown escaped."""
    result = WorkflowResult(summary={"mean_minutes": 12.34}, status="stopped [early]")
    assert result.summary_markdown(lang="en") == (
        "## workflow\n\nStatus: **stopped \\[early\\]**\n\n| Key figure | Value |\n|---|---|\n"
        "| Mean travel time | 12.3 min |\n"
    )
    assert result.summary_markdown(lang="nb") == (
        "## workflow\n\nStatus: **stopped \\[early\\]**\n\n| Nøkkeltall | Verdi |\n|---|---|\n"
        "| Gjennomsnittlig reisetid | 12,3 min |\n"
    )


def test_unknown_workflow_and_a_single_headline_sentence():
    """A workflow code without a title is shown escaped; a headline given as one sentence (not a list)
    is one line; the ``workflow`` key is no table row."""
    head = _headline()
    result = WorkflowResult(
        summary={"workflow": "my*flow", "balance_headline": head, "population": 1000},
        status="optimal",
        messages=[head],
    )
    assert result.summary_markdown(lang="en") == (
        "## my\\*flow\n\n**Where everyone and everything went**\n\n"
        "- 25% of the people (1,000) are served only beyond the limit of 20 min, reuse.max_minutes\n\n"
        "Status: **optimal**\n\n| Key figure | Value |\n|---|---|\n| Population | 1,000 people |\n"
    )
    assert result.summary_markdown(lang="nb") == (
        "## my\\*flow\n\n**Hvor alle og alt havnet**\n\n"
        f"- 25 % av befolkningen (1{S}000 personer) nås bare utenfor grensen på 20 min, reuse.max_minutes\n\n"
        f"Status: **optimal**\n\n| Nøkkeltall | Verdi |\n|---|---|\n| Befolkning | 1{S}000 personer |\n"
    )


def test_infeasible_status_words_and_escaped_headline():
    head = Message("balance.kind", kind="x|y", share=1.0, q=40.0, unit="t/yr",
                   phrase=Message("balance.no_yield", limit=""))
    result = WorkflowResult(summary={"workflow": "symbiosis", "balance_headline": [head]},
                            status="infeasible")
    assert result.summary_markdown(lang="en") == (
        "## Industrial symbiosis\n\n**Where everyone and everything went**\n\n"
        "- 100% of the x\\|y (40 t/yr) is of a kind this theme does not use\n\n"
        "Status: **infeasible**\n\n| Key figure | Value |\n|---|---|\n"
    )
    assert result.summary_markdown(lang="nb") == (
        "## Industriell symbiose\n\n**Hvor alle og alt havnet**\n\n"
        "- 100 % av x\\|y (40 t/år) er av en type dette temaet ikke bruker\n\n"
        "Status: **ingen gyldig løsning**\n\n| Nøkkeltall | Verdi |\n|---|---|\n"
    )
