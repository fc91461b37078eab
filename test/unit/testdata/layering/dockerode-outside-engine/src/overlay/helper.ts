import type Dockerode from 'dockerode';

export type Client = Dockerode;
