"""Not written yet: adds no commands."""


def add_commands(commands) -> None:
    pass
