-- One database per service: services share events, never tables.
CREATE DATABASE registration;
CREATE DATABASE abstracts;
CREATE DATABASE badges;
CREATE DATABASE notify;
CREATE DATABASE console;
