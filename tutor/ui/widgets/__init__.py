"""The app's widgets, one module each (import them from their modules: this
package imports nothing, so the menu does not pay for plotext at start-up)."""
