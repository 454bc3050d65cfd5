"""cnocare: care platform for chronic nonbacterial osteomyelitis (CNO/CRMO)."""

__version__ = "0.1.0"
