def pytest_terminal_summary(terminalreporter):
    """What the fuzz sent and got, for the record (issue 11): printed after the run."""
    from .test_openapi_fuzz import OPERATIONS, ROLES, STATUSES, TALLY

    if not TALLY["calls"]:
        return
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(STATUSES.items()))
    terminalreporter.write_line(
        f"fuzz: {len(OPERATIONS)} operations; {TALLY['tests']} operation x role tests "
        f"({len(ROLES)} roles); {TALLY['calls']} calls, {TALLY['coverage calls']} of them "
        f"boundary values; statuses {statuses}"
    )
