"""Papers: Trend → Paper (drafts, editor lifecycle, merge; built by the papers issue)."""

__all__: list[str] = []
