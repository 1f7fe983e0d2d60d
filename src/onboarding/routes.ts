// The onboarding pages: invitations, self sign-up and verification, forgot password, email change.
import { Hono } from 'hono';
import type { AppEnv } from '../http/context';
import { emailChangeRoutes } from './email-change-routes';
import { inviteRoutes } from './invite-routes';
import { resetRoutes } from './reset-routes';
import { signupRoutes } from './signup-routes';

export const onboardingRoutes = new Hono<AppEnv>();
onboardingRoutes.route('/', inviteRoutes);
onboardingRoutes.route('/', signupRoutes);
onboardingRoutes.route('/', resetRoutes);
onboardingRoutes.route('/', emailChangeRoutes);
