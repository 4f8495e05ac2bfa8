"""site_builder: a static timeline website generator."""

__version__ = "0.1.0"
