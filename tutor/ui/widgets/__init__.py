"""The app's data widgets: values as grids, plots, the backprop diagram."""

from tutor.ui.widgets.layer_diagram import LayerDiagram
from tutor.ui.widgets.plot_pane import PlotPane
from tutor.ui.widgets.tensor_view import TensorView

__all__ = ["LayerDiagram", "PlotPane", "TensorView"]
