"""What a lesson's code reads and binds, from its syntax tree alone.

The loader checks with these that an expression uses only names the steps
before bound; the lesson screen asks which values from the steps before a
step's question may show (only those the step's code goes on to read).
Nothing here runs code.
"""

from __future__ import annotations

import ast
from functools import lru_cache


def bound_names(code: str) -> set[str]:
    """Names a piece of code binds at its top level (assignments, defs,
    imports, loop targets), i.e. what later steps and expressions may use."""
    return _bound(ast.parse(code))


def _bound(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def free_names(tree: ast.AST) -> set[str]:
    """Names an expression reads that it does not bind itself (lambda
    arguments and comprehension variables are its own)."""
    loaded: set[str] = set()
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else own).add(node.id)
        elif isinstance(node, ast.arg):
            own.add(node.arg)
    return loaded - own


def used_names(code: str) -> set[str]:
    return {
        n.id
        for n in ast.walk(ast.parse(code))
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


@lru_cache(maxsize=256)
def reads_before_binding(code: str) -> frozenset[str]:
    """Names `code` reads from what ran before it: read at its top level
    before the code binds them itself, or read in a function or lambda that
    neither takes them as an argument nor binds them. `w -= lr * w.grad`
    reads `w`; `w = torch.zeros(3)` then `w + 1` does not; `def p(x):
    return x ** 2` reads no `x`."""
    bound: set[str] = set()
    reads: set[str] = set()
    for statement in ast.parse(code).body:
        for name in _loads(statement):
            if name not in bound:
                reads.add(name)
        bound |= _bound(statement)
    return frozenset(reads)


def _loads(statement: ast.stmt) -> set[str]:
    """Names a top-level statement loads (an augmented assignment loads its
    target), less those a function or lambda inside it binds for itself."""
    loads: set[str] = set()
    stack: list[tuple[ast.AST, frozenset[str]]] = [(statement, frozenset())]
    while stack:
        node, own = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            body = node.body if isinstance(node.body, list) else [node.body]
            local = {a.arg for a in every if a is not None}
            local |= {name for b in body for name in _bound(b)}
            own = own | local
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in own:
            loads.add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id not in own:
            loads.add(node.target.id)
        stack.extend((child, own) for child in ast.iter_child_nodes(node))
    return loads


@lru_cache(maxsize=512)
def expression_names(expression: str) -> frozenset[str] | None:
    """The names a shown expression reads, parsed once (None: not Python).
    The lesson screen asks it on a question step's key, the step engine
    for every value it shows."""
    try:
        return frozenset(free_names(ast.parse(expression, mode="eval")))
    except SyntaxError:
        return None


@lru_cache(maxsize=256)
def binds_afresh(code: str) -> frozenset[str]:
    """Names `code` binds without first reading them from the steps before:
    after it, a value they name is a new object, not the one an earlier
    step showed (`w = torch.tensor(0.6)` after another exercise's `w`),
    while `w -= lr * w.grad` or `w = w - lr * w.grad` carries it on.
    Nothing for code that does not parse."""
    try:
        return frozenset(bound_names(code) - reads_before_binding(code))
    except SyntaxError:
        return frozenset()
