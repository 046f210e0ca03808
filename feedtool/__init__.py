"""feedtool: publish a folder of plain-text articles as feeds and pages."""

__version__ = "0.1.0"
