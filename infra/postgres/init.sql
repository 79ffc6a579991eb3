-- One database per service: services share events, never tables.
CREATE DATABASE registration;
CREATE DATABASE badges;
CREATE DATABASE notify;
CREATE DATABASE console;
