"""Diagrams drawn for other engines (Camunda 7/8, Flowable, Signavio, bpmn.io), made runnable.

Before a diagram is checked and parsed, engine.bpmn.foreign.translate rewrites what another
engine would have understood and SpiffWorkflow does not, and says so in a warning for each
change: JUEL and FEEL expressions (engine.bpmn.foreign.expressions), bare ISO timer literals,
service tasks meant for another engine's workers, gateways whose flows carry only names, lanes
named after the other organisation's roles, and forms kept in the diagram
(engine.bpmn.foreign.forms). What cannot be translated is refused with file, element and line.
"""
