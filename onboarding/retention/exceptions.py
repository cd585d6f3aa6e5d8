"""Errors raised by the retention rules and the legal hold."""


class RetentionError(Exception):
    """A retention rule cannot run or cannot finish, for the reason in the message."""


class UnknownRuleError(RetentionError, KeyError):
    """No retention rule has the given name."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(
            f"There is no retention rule named {name!r}. Choose one of: "
            f"{', '.join(known)}."
        )

    def __str__(self) -> str:
        # KeyError would otherwise print the message in quotes.
        return str(self.args[0])


class LegalHoldError(ValueError):
    """A legal hold cannot be set or lifted, for the reason in the message."""
