"""The one exception the scoring engine raises for bad input.

Every message names the field (a dotted path such as ``followup.pt_global`` or
``items.dress``) and the problem, on one line, so that the command line, the CSV
batch and the web forms can show it as it is.
"""


class ScoringInputError(ValueError):
    """An input value the scoring rules cannot accept; ``str()`` is ``"field: problem"``."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"

    def within(self, parent: str) -> "ScoringInputError":
        """The same problem with the field placed under ``parent`` (``[3]`` or ``baseline``)."""
        return ScoringInputError(f"{parent}.{self.field}", self.problem)
