"""tutor: a terminal tutor for derivatives and backpropagation with live PyTorch."""

__version__ = "0.1.0"
