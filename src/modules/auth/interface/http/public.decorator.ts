import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'neraca:public';

/** Marks a route that needs no API key (GET /, GET /health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
