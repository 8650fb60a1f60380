"""Weekly timetabling on Google OR-Tools CP-SAT, with no Django import anywhere in the package.

- ``itc``: the ITC-2007 Track 3 (curriculum-based course timetabling) format: ``.ctt`` parser,
  solution reader/writer and the competition's validator (hard violations and the four soft costs).
- ``itc_solver``: a CP-SAT solver for those instances (time stage, room stage, then large
  neighbourhood search on the joint model).
- ``problem``: the community problem (JSON, documented in ``docs/timetable-format.md``), read and
  checked with Chinese messages naming the cause.
- ``community``: the CP-SAT model for the community problem, its score by term and the
  explanation of every session it could not place.
- ``check``: the community validator (hard constraints and the soft score of any timetable).
- ``generate``: community-shaped instances from a seed, for tests and benchmarks.
"""
